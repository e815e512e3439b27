import { describe, expect, it } from "vitest";
import { createHeuristicJudge } from "./heuristic-judge.js";

const judge = createHeuristicJudge();
const verdict = (a: string, b: string, category: "preference" | "factual" | "episodic" = "factual") =>
  judge.judge({ content: a, category }, { content: b, category });

describe("heuristic conflict judge", () => {
  it.each([
    ["User likes spicy food", "User no longer likes spicy food", "negation"],
    ["The user drinks coffee", "The user doesn't drink coffee", "negation"],
    ["User likes jazz", "User hates jazz", "opposites"],
    ["User lives in Paris", "User lives in Lisbon", "changed_value"],
    ["Weekly sync is on Tuesday", "Weekly sync is on Thursday", "changed_value"],
    ["Her daughter is 7 years old", "Her daughter is 8 years old", "changed_value"],
    ["The project deadline is 3 March", "The project deadline is 17 April", "changed_value"],
  ])("%s  vs  %s  -> contradiction (%s), confident enough to supersede", async (a, b, reason) => {
    const v = await verdict(a, b, "preference");
    expect(v).toMatchObject({ contradicts: true, reason });
    expect(v.confidence).toBeGreaterThan(0.8);
  });

  it.each([
    ["User likes jazz", "User likes jazz and blues"],
    ["User works at Acme as an engineer", "User's team at Acme ships the mobile app"],
    ["Caroline went to a support group", "Melanie painted a lake sunrise"],
  ])("%s  vs  %s  -> not a confident contradiction", async (a, b) => {
    const v = await verdict(a, b);
    expect(v.contradicts && v.confidence > 0.8).toBe(false);
  });

  it("reports a reworded same-subject statement as a low-confidence change for review", async () => {
    const v = await verdict("User prefers window seats on flights", "User prefers aisle seats on flights");
    expect(v.contradicts).toBe(true);
    expect(v.confidence).toBeLessThanOrEqual(0.8);
  });
});
