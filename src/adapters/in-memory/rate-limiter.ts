import { type RateLimiter, slidingDecision } from "../../auth/rate-limit.js";

/**
 * Per-process sliding-window limiter: exact on a single Node server; on Workers it
 * limits per isolate only, so production configures the Redis adapter instead.
 */
export function createMemoryRateLimiter(): RateLimiter {
  // key -> [window number, count]; two windows per key are all the estimate needs.
  const current = new Map<string, [number, number]>();
  const previous = new Map<string, [number, number]>();
  return {
    async hit(key, limit, windowMs, now) {
      const window = Math.floor(now / windowMs);
      let cur = current.get(key);
      if (cur && cur[0] !== window) {
        if (cur[0] === window - 1) previous.set(key, cur);
        else previous.delete(key);
        cur = undefined;
      }
      const prev = previous.get(key);
      const prevCount = prev && prev[0] === window - 1 ? prev[1] : 0;
      const count = (cur?.[1] ?? 0) + 1;
      const decision = slidingDecision(prevCount, count, limit, windowMs, now);
      // A refused request does not consume quota, so a client that backs off recovers.
      if (decision.allowed) current.set(key, [window, count]);
      return decision;
    },
  };
}
