import type { MiddlewareHandler } from "hono";
import type { Principal } from "../auth/principal.js";
import { verifyToken } from "../auth/verify-token.js";
import { withOrg } from "../db/tenant.js";
import { AppError } from "../lib/errors.js";
import type { AppEnv, Services } from "../services.js";

const WINDOW_MS = 60_000;
/**
 * The longest the limiter may hold a request. Its counters live in Redis/Upstash,
 * which answers in a millisecond; a store that refuses connections fails at once
 * (the adapters fail fast while disconnected), so this bounds only a store that hangs.
 * It is generous on purpose: a busy process's event loop can be late by tens of
 * milliseconds, and limits skipped under load would be off exactly when they matter.
 */
export const RATE_LIMIT_WAIT_MS = 100;

/** Skipped limits, counted between two warnings so an outage logs a line, not a flood. */
let skippedSinceWarning = 0;
let lastWarningAt = 0;

/**
 * Counts the request against its limits. The limits protect the service; they are not
 * worth an outage: when the key-value store fails or is slow, the request passes and
 * a warning (at most one every 10 s, with the count) says the limits are off.
 */
async function enforceRateLimits(s: Services, tokenId: string, orgId: string): Promise<void> {
  const now = s.clock.now();
  // Counter keys start with the org id, as every key of an org does (the purge deletes by prefix).
  const counted = Promise.all([
    s.rateLimiter.hit(`${orgId}:rl:tok:${tokenId}`, s.config.RATE_LIMIT_TOKEN_PER_MINUTE, WINDOW_MS, now),
    s.rateLimiter.hit(`${orgId}:rl:org`, s.config.RATE_LIMIT_ORG_PER_MINUTE, WINDOW_MS, now),
  ]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), RATE_LIMIT_WAIT_MS);
  });
  const outcome = await Promise.race([counted, late]).catch(() => "failed" as const);
  clearTimeout(timer);
  if (outcome === "late" || outcome === "failed") {
    counted.catch(() => undefined);
    skippedSinceWarning++;
    const wall = Date.now();
    if (wall - lastWarningAt >= 10_000) {
      s.logger.warn("rate limits skipped: the key-value store failed or was slow", {
        reason: outcome,
        skipped: skippedSinceWarning,
      });
      lastWarningAt = wall;
      skippedSinceWarning = 0;
    }
    return;
  }
  const [tok, org] = outcome;
  const refused = !tok.allowed ? tok : !org.allowed ? org : null;
  if (refused) {
    throw new AppError("RESOURCE_EXHAUSTED", "rate limit exceeded", { retryAfter: refused.retryAfterSec });
  }
}

function touchLastUsed(s: Services, tokenId: string, orgId: string): void {
  const now = s.clock.now();
  const record = s.tokenCache.get(tokenId, now);
  if (record && record.lastUsedAt !== null && now - record.lastUsedAt < 60_000) return;
  if (record) record.lastUsedAt = now;
  s.defer(
    withOrg(s.sql, orgId, (tx) =>
      tx.query("UPDATE api_tokens SET last_used_at = now() WHERE id = $1 AND org_id = $2", [tokenId, orgId]),
    ),
  );
}

/**
 * Verifies an `Authorization: Bearer` header value, applies the rate limits and
 * schedules the `last_used_at` touch. Shared by REST and RPC.
 * @throws UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED
 */
export async function authenticateBearer(s: Services, header: string): Promise<Principal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw new AppError("UNAUTHENTICATED", "missing bearer token");
  const principal = await verifyToken(
    { sql: s.sql, pepper: s.pepper, cache: s.tokenCache, clock: s.clock },
    match[1],
  );
  await enforceRateLimits(s, principal.tokenId, principal.orgId);
  touchLastUsed(s, principal.tokenId, principal.orgId);
  return principal;
}

/**
 * Bearer-token authentication for `/v1/*`: verifies the token, applies the per-token
 * and per-org rate limits, and sets `principal`. Reusable by the RPC interceptors.
 * @throws UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED
 */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    if (!/^Bearer\s+\S+\s*$/i.test(header)) c.header("www-authenticate", 'Bearer realm="engram"');
    c.set("principal", await authenticateBearer(c.get("services"), header));
    await next();
  };
}
