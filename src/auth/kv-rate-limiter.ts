import type { KeyValue } from "../kv/ports.js";
import { type RateLimiter, slidingDecision } from "./rate-limit.js";

/**
 * The sliding-window limiter over the key-value port (Redis or Upstash), so every
 * process and isolate shares one count. One counter per key and window; a refused
 * request gives its increment back, as the in-memory limiter never takes it.
 */
export function createKvRateLimiter(kv: KeyValue): RateLimiter {
  return {
    async hit(key, limit, windowMs, now) {
      const window = Math.floor(now / windowMs);
      const ttl = Math.ceil((2 * windowMs) / 1000);
      const currentKey = `${key}:${window}`;
      const [current, previous] = await Promise.all([
        kv.incr(currentKey, 1, ttl),
        kv.get(`${key}:${window - 1}`),
      ]);
      const decision = slidingDecision(Number(previous ?? 0), current, limit, windowMs, now);
      if (!decision.allowed) await kv.incr(currentKey, -1, ttl);
      return decision;
    },
  };
}
