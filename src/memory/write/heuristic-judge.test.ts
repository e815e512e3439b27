import { describe, expect, it } from "vitest";
import type { MemoryCategory } from "../categories.js";
import { createHeuristicJudge } from "./heuristic-judge.js";

const judge = createHeuristicJudge();
const verdict = (a: string, b: string, category: MemoryCategory = "factual") =>
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

  it.each([
    [
      "The user's favourite colour is blue",
      "The user's favourite colour is now green, not blue",
      "changed_value",
    ],
    ["The user lives in Lisbon", "The user moved to Madrid last month", "changed_value"],
    ["The user works at Acme Corp", "The user now works at Globex", "changed_value"],
    ["The user's wife is named Anna", "The user's wife is named Maria", "changed_value"],
    ["The user is vegetarian", "The user is no longer vegetarian", "negation"],
    ["The user is allergic to penicillin", "The user is not allergic to penicillin", "negation"],
    ["The user loves spicy food", "The user can't stand spicy food anymore", "opposites"],
    ["The user is employed at Initech", "The user is unemployed", "opposites"],
    ["The user goes running every morning", "The user no longer goes running", "negation"],
    ["The user takes the bus to work", "The user now cycles to work instead of taking the bus", "replaced"],
    ["The user drinks coffee every morning", "The user drinks tea instead of coffee", "replaced"],
  ])("%s  vs  %s  -> same subject, contradiction (%s)", async (a, b, reason) => {
    const v = await verdict(a, b, "preference");
    expect(v).toMatchObject({ contradicts: true, reason });
    expect(v.confidence).toBeGreaterThan(0.8);
  });

  it.each([
    ["The user is allergic to peanuts", "The user is allergic to shellfish"],
    ["The user likes tea", "The user likes coffee"],
    ["The user lives in Paris", "The user lives in Paris, France"],
    ["The user's sister is named Anna", "The user's brother is named Tom"],
    ["The user works at Acme", "The user works at Acme as a data engineer"],
    ["The user's favourite colour is blue", "The user's favourite car colour is red"],
    ["The user lives in Berlin", "The user's parents live in Munich"],
    ["The user lives in Paris", "The user lived in London before moving to Paris"],
    ["The user no longer eats meat", "The user no longer eats dairy"],
    ["The user has a dog named Rex", "The user now also has a cat named Luna"],
    [
      "The user's team uses Postgres for the billing service",
      "The user's team uses Postgres for the analytics service",
    ],
  ])("%s  vs  %s  -> compatible, nothing superseded", async (a, b) => {
    const v = await verdict(a, b);
    expect(v.contradicts).toBe(false);
  });

  it("leaves two events on different days alone unless the newer one says it moved", async () => {
    const a = "The user had a meeting with Sarah on Monday";
    expect(await verdict(a, "The user had a meeting with Tom on Monday", "episodic")).toMatchObject({
      contradicts: false,
    });
    const moved = await verdict(a, "The meeting with Sarah is now on Tuesday instead", "episodic");
    expect(moved.contradicts && moved.confidence > 0.8).toBe(false);
  });

  it("sends a change it cannot be sure of to review rather than superseding", async () => {
    for (const [a, b] of [
      // The user may have two sisters.
      ["The user's sister is named Anna", "The user's sister is named Maria"],
      // Only coffee after 3 pm is denied.
      ["The user drinks coffee", "The user doesn't drink coffee after 3 pm"],
      // Two changed slots: maybe another run altogether.
      ["The user runs 5 km on Saturdays", "The user runs 10 km on Sundays"],
    ] as const) {
      const v = await verdict(a, b, "behavioral");
      expect(v.contradicts && v.confidence > 0.8, `${a} / ${b}`).toBe(false);
    }
  });
});
