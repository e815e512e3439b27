import { type Caller, requireScopes } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { decodeCursor, type Page, toPage } from "../lib/cursor.js";
import { AGENT_COLUMNS, type AgentStatus, type AgentView, toAgentView } from "./model.js";

/**
 * Lists the org's live agents, newest first, optionally by status. An
 * agent-restricted token sees only its own agent.
 * @throws PERMISSION_DENIED, INVALID_ARGUMENT (bad cursor)
 */
export async function listAgents(
  deps: { sql: SqlClient },
  caller: Caller,
  q: { limit: number; cursor?: string; status?: AgentStatus },
): Promise<Page<AgentView>> {
  const p = caller.principal;
  requireScopes(p, "agent:read");
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  return withOrg(deps.sql, p.orgId, async (tx) => {
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT ${AGENT_COLUMNS} FROM agents
        WHERE org_id = $1 AND deleted_at IS NULL
          AND ($2::uuid IS NULL OR id < $2::uuid)
          AND ($3::text IS NULL OR status = $3::text)
          AND ($4::uuid IS NULL OR id = $4::uuid)
        ORDER BY id DESC LIMIT $5`,
      [p.orgId, after, q.status ?? null, p.agentId, q.limit + 1],
    );
    return toPage(rows.map(toAgentView), q.limit);
  });
}
