import type { MiddlewareHandler } from "hono";
import type { Principal } from "../auth/principal.js";
import { verifyToken } from "../auth/verify-token.js";
import { withOrg } from "../db/tenant.js";
import { AppError } from "../lib/errors.js";
import type { AppEnv, Services } from "../services.js";

const WINDOW_MS = 60_000;

async function enforceRateLimits(s: Services, tokenId: string, orgId: string): Promise<void> {
  const now = s.clock.now();
  const [tok, org] = await Promise.all([
    s.rateLimiter.hit(`rl:tok:${tokenId}`, s.config.RATE_LIMIT_TOKEN_PER_MINUTE, WINDOW_MS, now),
    s.rateLimiter.hit(`rl:org:${orgId}`, s.config.RATE_LIMIT_ORG_PER_MINUTE, WINDOW_MS, now),
  ]);
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
