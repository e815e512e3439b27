import { describe, expect, it } from "vitest";
import { createMemoryRateLimiter } from "../adapters/in-memory/rate-limiter.js";
import { slidingDecision } from "./rate-limit.js";

describe("slidingDecision", () => {
  it("weights the previous window by its overlap", () => {
    // Half-way into the window: 10 previous count as 5.
    expect(slidingDecision(10, 5, 10, 60_000, 30_000).allowed).toBe(true);
    expect(slidingDecision(10, 6, 10, 60_000, 30_000).allowed).toBe(false);
  });

  it("says when to retry", () => {
    const d = slidingDecision(0, 11, 10, 60_000, 45_000);
    expect(d).toEqual({ allowed: false, remaining: 0, retryAfterSec: 15 });
  });
});

describe("in-memory rate limiter", () => {
  it("allows up to the limit, refuses beyond, and keys are independent", async () => {
    const rl = createMemoryRateLimiter();
    const results: boolean[] = [];
    for (let i = 0; i < 4; i++) results.push((await rl.hit("k", 3, 60_000, 1_000)).allowed);
    expect(results).toEqual([true, true, true, false]);
    expect((await rl.hit("other", 3, 60_000, 1_000)).allowed).toBe(true);
  });

  it("recovers as the window slides, and refused hits do not count", async () => {
    const rl = createMemoryRateLimiter();
    for (let i = 0; i < 3; i++) await rl.hit("k", 3, 60_000, 0);
    for (let i = 0; i < 10; i++) expect((await rl.hit("k", 3, 60_000, 1)).allowed).toBe(false);
    // 3/4 into the next window the old count weighs 0.75: 2.25 + 1 > 3 refused, at the end allowed.
    expect((await rl.hit("k", 3, 60_000, 75_000)).allowed).toBe(false);
    expect((await rl.hit("k", 3, 60_000, 119_000)).allowed).toBe(true);
    expect((await rl.hit("k", 3, 60_000, 500_000)).remaining).toBe(2);
  });
});
