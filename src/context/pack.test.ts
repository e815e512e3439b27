import { describe, expect, it } from "vitest";
import { packMemories } from "./pack.js";

const c = (id: string, tokens: number, category: "factual" | "preference" = "factual") => ({
  id,
  tokens,
  category,
});
const noSections = { sectionCost: () => 0 };

describe("packMemories", () => {
  it("packs greedily, skipping what does not fit and going on", () => {
    const r = packMemories([c("a", 50), c("b", 80), c("c", 30)], 90, noSections);
    expect(r.included).toEqual(["a", "c"]);
    expect(r.exclusions.get("b")).toBe("budget");
    expect(r.tokensUsed).toBe(80);
  });

  it("stops after three consecutive misses; the rest are truncated", () => {
    const r = packMemories([c("a", 10), c("x", 100), c("y", 100), c("z", 100), c("b", 1)], 20, noSections);
    expect(r.included).toEqual(["a"]);
    expect(r.exclusions.get("b")).toBe("truncated");
  });

  it("a fit in between resets the miss count", () => {
    const r = packMemories(
      [c("x", 100), c("y", 100), c("a", 1), c("z", 100), c("w", 100), c("b", 1)],
      5,
      noSections,
    );
    expect(r.included).toEqual(["a", "b"]);
  });

  it("caps the count at max_memories", () => {
    const r = packMemories([c("a", 1), c("b", 1), c("c", 1)], 100, { ...noSections, maxMemories: 2 });
    expect(r.included).toEqual(["a", "b"]);
    expect(r.exclusions.get("c")).toBe("truncated");
  });

  it("charges a section's tags once, with its first memory", () => {
    const r = packMemories([c("a", 10), c("b", 10), c("p", 10, "preference")], 45, { sectionCost: () => 5 });
    expect(r.tokensUsed).toBe(15 + 10 + 15);
    expect(r.included).toEqual(["a", "b", "p"]);
  });

  it("packs nothing into a zero budget", () => {
    expect(packMemories([c("a", 1)], 0, noSections).included).toEqual([]);
  });
});
