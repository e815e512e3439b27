import { afterAll, describe, expect, it } from "vitest";
import { createMemoryKeyValue } from "../../src/adapters/in-memory/key-value.js";
import { createMemoryRateLimiter } from "../../src/adapters/in-memory/rate-limiter.js";
import { createRedisKeyValue } from "../../src/adapters/redis/key-value.js";
import { createKvRateLimiter } from "../../src/auth/kv-rate-limiter.js";
import type { RateLimiter } from "../../src/auth/rate-limit.js";
import { uuidv7 } from "../../src/lib/ids.js";
import { REDIS_URL } from "../support/redis.js";

const redis = createRedisKeyValue({ url: REDIS_URL });
afterAll(() => redis.close());

const backends: [string, () => RateLimiter][] = [
  ["in-memory", () => createMemoryRateLimiter()],
  ["key-value (in-memory store)", () => createKvRateLimiter(createMemoryKeyValue())],
  ["key-value (redis)", () => createKvRateLimiter(redis)],
];

describe.each(backends)("RateLimiter: %s", (_name, make) => {
  // A fixed instant in the middle of a window keeps the arithmetic exact.
  const base = Math.floor(Date.now() / 60_000) * 60_000 + 30_000;

  it("allows up to the limit and refuses beyond, per key", async () => {
    const rl = make();
    const key = `rl:test:${uuidv7()}`;
    const got: boolean[] = [];
    for (let i = 0; i < 4; i++) got.push((await rl.hit(key, 3, 60_000, base)).allowed);
    expect(got).toEqual([true, true, true, false]);
    expect((await rl.hit(`${key}:other`, 3, 60_000, base)).allowed).toBe(true);
  });

  it("does not count refused requests, and recovers as the window slides", async () => {
    const rl = make();
    const key = `rl:test:${uuidv7()}`;
    for (let i = 0; i < 3; i++) await rl.hit(key, 3, 60_000, base);
    for (let i = 0; i < 5; i++) expect((await rl.hit(key, 3, 60_000, base)).allowed).toBe(false);
    const refused = await rl.hit(key, 3, 60_000, base);
    expect(refused.retryAfterSec).toBe(30);
    // Next window, 30 s in: the 3 old hits weigh 1.5, so one more fits, a second does not.
    expect((await rl.hit(key, 3, 60_000, base + 60_000)).allowed).toBe(true);
    expect((await rl.hit(key, 3, 60_000, base + 60_000)).allowed).toBe(false);
    // Two windows later nothing of the past remains.
    expect((await rl.hit(key, 3, 60_000, base + 180_000)).remaining).toBe(2);
  });
});
