import { recordAudit } from "../audit/record-audit.js";
import { auditActor, type Caller, requireScopes } from "../auth/principal.js";
import type { TokenCache } from "../auth/token-cache.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { notFound } from "../lib/errors.js";
import { TOKEN_COLUMNS, type TokenView, toTokenView } from "./model.js";

/**
 * Revokes a token of the caller's org. Idempotent: revoking twice keeps the first
 * time and reason. The local cache entry is dropped at once; other processes and
 * isolates stop accepting it within the cache TTL (≤ 1 s).
 * @throws PERMISSION_DENIED, NOT_FOUND
 */
export async function revokeToken(
  deps: { sql: SqlClient; cache: TokenCache },
  caller: Caller,
  id: string,
  reason: string | null,
): Promise<TokenView> {
  const p = caller.principal;
  requireScopes(p, "token:revoke");
  const view = await withOrg(deps.sql, p.orgId, async (tx) => {
    const { rows } = await tx.query<Record<string, unknown>>(
      `UPDATE api_tokens
          SET revoked_at = coalesce(revoked_at, now()),
              revoked_reason = CASE WHEN revoked_at IS NULL THEN $3 ELSE revoked_reason END
        WHERE org_id = $1 AND id = $2 AND ($4::uuid IS NULL OR agent_id = $4::uuid)
        RETURNING ${TOKEN_COLUMNS}`,
      [p.orgId, id, reason, p.agentId],
    );
    const row = rows[0];
    if (!row) throw notFound("token");
    await recordAudit(tx, p.orgId, auditActor(caller), "token.revoke", id, { reason });
    return toTokenView(row);
  });
  deps.cache.delete(id);
  return view;
}
