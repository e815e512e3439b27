import { type Caller, requireAnyScope } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { decodeCursor, type Page, toPage } from "../lib/cursor.js";
import { TOKEN_COLUMNS, type TokenView, toTokenView } from "./model.js";

/**
 * Lists the org's tokens, newest first. An agent-restricted caller sees only tokens
 * bound to its agent.
 * @throws PERMISSION_DENIED without token:create or token:revoke.
 */
export async function listTokens(
  deps: { sql: SqlClient },
  caller: Caller,
  q: { limit: number; cursor?: string; include_revoked: boolean },
): Promise<Page<TokenView>> {
  const p = caller.principal;
  requireAnyScope(p, "token:create", "token:revoke");
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  return withOrg(deps.sql, p.orgId, async (tx) => {
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens
        WHERE org_id = $1
          AND ($2::uuid IS NULL OR id < $2::uuid)
          AND ($3::boolean OR revoked_at IS NULL)
          AND ($4::uuid IS NULL OR agent_id = $4::uuid)
        ORDER BY id DESC LIMIT $5`,
      [p.orgId, after, q.include_revoked, p.agentId, q.limit + 1],
    );
    return toPage(rows.map(toTokenView), q.limit);
  });
}
