/** Outcome of counting one request against a limit. */
export interface RateDecision {
  allowed: boolean;
  /** Requests still allowed in the current window (0 when refused). */
  remaining: number;
  /** Whole seconds until a request would be allowed again (0 when allowed). */
  retryAfterSec: number;
}

/**
 * Sliding-window rate limiting (the previous fixed window weighted by its overlap
 * with the sliding one). Adapters: in-memory per process; Redis/Upstash share one
 * count across processes and isolates.
 */
export interface RateLimiter {
  hit(key: string, limit: number, windowMs: number, now: number): Promise<RateDecision>;
}

/** The sliding-window estimate shared by every adapter, so they agree exactly. */
export function slidingDecision(
  previous: number,
  current: number,
  limit: number,
  windowMs: number,
  now: number,
): RateDecision {
  const elapsed = now % windowMs;
  const weighted = previous * ((windowMs - elapsed) / windowMs) + current;
  if (weighted > limit) {
    // Waiting for the window to turn over always frees the current count's share.
    const retryAfterSec = Math.max(1, Math.ceil((windowMs - elapsed) / 1000));
    return { allowed: false, remaining: 0, retryAfterSec };
  }
  return { allowed: true, remaining: Math.max(0, Math.floor(limit - weighted)), retryAfterSec: 0 };
}
