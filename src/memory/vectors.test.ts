import { describe, expect, it } from "vitest";
import { cosine } from "./vectors.js";

describe("cosine", () => {
  it("is 1 for the same direction, -1 for the opposite, 0 for orthogonal or zero vectors", () => {
    expect(cosine([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(cosine([1, 2, 3], [-1, -2, -3])).toBeCloseTo(-1, 12);
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(cosine([0, 0, 0], [1, 2, 3])).toBe(0);
    expect(cosine([], [])).toBe(0);
  });

  it("treats a shorter vector as padded with zeros", () => {
    expect(cosine([1, 1], [1, 1, 0, 0])).toBeCloseTo(1, 12);
    expect(cosine([3, 4, 12], [3, 4])).toBeCloseTo(cosine([3, 4, 12], [3, 4, 0]), 15);
    expect(cosine([3, 4], [3, 4, 12])).toBe(cosine([3, 4, 0], [3, 4, 12]));
  });

  it("matches the textbook formula on random vectors", () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31 - 0.5;
    };
    for (let t = 0; t < 100; t++) {
      const a = Array.from({ length: 384 }, rnd);
      const b = Array.from({ length: 384 }, rnd);
      const dot = a.reduce((s, x, i) => s + x * (b[i] as number), 0);
      const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      expect(cosine(a, b)).toBeCloseTo(dot / (norm(a) * norm(b)), 12);
    }
  });
});
