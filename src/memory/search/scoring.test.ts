import { describe, expect, it } from "vitest";
import { checkWeights, DEFAULT_WEIGHTS, rankMemories, recency, reciprocalRankFusion } from "./scoring.js";

const NOW = Date.UTC(2026, 10, 21);
const DAY = 86_400_000;
const base = {
  category: "factual" as const,
  relevance: 0.5,
  usefulness: 0.5,
  confidence: 0.8,
  retrieval_count: 0,
  created_at: NOW,
};

describe("composite score", () => {
  it("matches the formula term by term", () => {
    const [s] = rankMemories(
      [{ ...base, id: "a", relevance: 0.9, usefulness: 0.7, confidence: 1, retrieval_count: 25 }],
      NOW,
    );
    expect(s?.composite).toBeCloseTo(0.4 * 0.9 + 0.25 * 1 + 0.2 * 0.7 + 0.1 * 1 + 0.05 * 0.5, 12);
  });

  it("halves recency after one half-life, per category", () => {
    expect(recency(NOW - 14 * DAY, NOW, 14)).toBeCloseTo(0.5, 12);
    const [episodic, factual] = rankMemories(
      [
        { ...base, id: "e", category: "episodic", created_at: NOW - 14 * DAY },
        { ...base, id: "f", category: "factual", created_at: NOW - 14 * DAY },
      ],
      NOW,
    ).sort((a, b) => a.id.localeCompare(b.id));
    expect(episodic?.recency).toBeCloseTo(0.5, 12);
    expect(factual?.recency).toBeGreaterThan(0.94);
  });

  it("drops candidates under the relevance floor and breaks ties by id", () => {
    const ranked = rankMemories(
      [
        { ...base, id: "b" },
        { ...base, id: "a" },
        { ...base, id: "c", relevance: 0.149 },
      ],
      NOW,
    );
    expect(ranked.map((r) => r.id)).toEqual(["a", "b"]);
  });

  it("refuses weights that do not sum to 1", () => {
    expect(checkWeights(DEFAULT_WEIGHTS)).toBe(DEFAULT_WEIGHTS);
    expect(() => checkWeights({ ...DEFAULT_WEIGHTS, relevance: 0.5 })).toThrow();
    expect(() => checkWeights({ ...DEFAULT_WEIGHTS, relevance: 0.65, recency: -0.0 - 0.25 + 0 })).toThrow();
  });
});

describe("reciprocal rank fusion", () => {
  it("rewards items found by both lists", () => {
    const fused = reciprocalRankFusion([
      ["a", "b", "c"],
      ["c", "d"],
    ]);
    const order = [...fused.entries()].sort((x, y) => y[1] - x[1]).map(([id]) => id);
    expect(order[0]).toBe("c");
    expect(fused.get("a")).toBeCloseTo(1 / 61, 12);
  });
});
