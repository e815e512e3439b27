import type { SqlClient } from "../db/ports.js";
import { withTokenLookup } from "../db/tenant.js";
import type { Clock } from "../lib/clock.js";
import { toMillis } from "../lib/clock.js";
import { hmacSha256Hex, timingSafeEqual } from "../lib/crypto.js";
import { AppError } from "../lib/errors.js";
import type { Principal } from "./principal.js";
import type { TokenCache, TokenRecord } from "./token-cache.js";
import { parseToken } from "./token-format.js";

export interface VerifyTokenDeps {
  sql: SqlClient;
  pepper: string;
  cache: TokenCache;
  clock: Clock;
}

/** The keyed hash stored for a token secret; binding the id stops row swapping. */
export function hashTokenSecret(pepper: string, id: string, secret: string): Promise<string> {
  return hmacSha256Hex(pepper, `${id}:${secret}`);
}

async function loadRecord(sql: SqlClient, id: string): Promise<TokenRecord | null> {
  // Every request of every caller waits on this primary-key read once per cache TTL:
  // it goes ahead of queued searches on a single-session database.
  return withTokenLookup(
    sql,
    id,
    async (tx) => {
      const { rows } = await tx.query<Record<string, unknown>>(
        `SELECT id, org_id, kind, secret_hash, permissions, agent_id, user_id, expires_at, revoked_at, last_used_at
         FROM api_tokens WHERE id = $1`,
        [id],
      );
      const row = rows[0];
      if (!row) return null;
      await tx.query("SELECT set_config('app.current_org_id', $1, true)", [row.org_id]);
      const org = await tx.query<{ status: string }>("SELECT status FROM orgs WHERE id = $1", [row.org_id]);
      return {
        id: String(row.id),
        orgId: String(row.org_id),
        kind: row.kind === "service" ? "service" : "pat",
        secretHash: String(row.secret_hash),
        permissions: Number(row.permissions),
        agentId: row.agent_id ? String(row.agent_id) : null,
        userId: row.user_id ? String(row.user_id) : null,
        expiresAt: toMillis(row.expires_at),
        revokedAt: toMillis(row.revoked_at),
        lastUsedAt: toMillis(row.last_used_at),
        orgStatus: org.rows[0]?.status ?? "deleted",
      };
    },
    { priority: "high" },
  );
}

const invalid = () => new AppError("UNAUTHENTICATED", "invalid or unknown token");

/**
 * Verifies a bearer token: format, keyed hash in constant time, revocation, expiry
 * and org status. Rows are cached for at most the cache TTL (≤ 1 s).
 * @throws UNAUTHENTICATED for a malformed, unknown, wrong, revoked or expired token.
 * @throws PERMISSION_DENIED when the token's org is suspended or deleted.
 */
export async function verifyToken(deps: VerifyTokenDeps, plaintext: string): Promise<Principal> {
  const parsed = parseToken(plaintext);
  if (!parsed) throw invalid();
  const now = deps.clock.now();
  const record = await deps.cache.load(parsed.id, now, () => loadRecord(deps.sql, parsed.id));
  if (!record) throw invalid();
  const hash = await hashTokenSecret(deps.pepper, parsed.id, parsed.secret);
  if (!timingSafeEqual(hash, record.secretHash) || record.kind !== parsed.kind) throw invalid();
  if (record.revokedAt !== null) throw new AppError("UNAUTHENTICATED", "token revoked");
  if (record.expiresAt !== null && record.expiresAt <= now) {
    throw new AppError("UNAUTHENTICATED", "token expired");
  }
  if (record.orgStatus !== "active") throw new AppError("PERMISSION_DENIED", "organisation is not active");
  return {
    tokenId: record.id,
    orgId: record.orgId,
    kind: record.kind,
    permissions: record.permissions,
    agentId: record.agentId,
    userId: record.userId,
  };
}
