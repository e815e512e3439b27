import { type Caller, requireAgentAccess, requireScopes } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { notFound } from "../lib/errors.js";
import { AGENT_COLUMNS, type AgentView, toAgentView } from "./model.js";

/**
 * Reads one live agent of the caller's org.
 * @throws PERMISSION_DENIED, NOT_FOUND
 */
export async function getAgent(deps: { sql: SqlClient }, caller: Caller, id: string): Promise<AgentView> {
  const p = caller.principal;
  requireScopes(p, "agent:read");
  requireAgentAccess(p, id);
  return withOrg(deps.sql, p.orgId, async (tx) => {
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT ${AGENT_COLUMNS} FROM agents WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [p.orgId, id],
    );
    if (!rows[0]) throw notFound("agent");
    return toAgentView(rows[0]);
  });
}
