import { recordAudit } from "../audit/record-audit.js";
import { auditActor, type Caller, requireAgentAccess, requireScopes } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { AppError } from "../lib/errors.js";
import { lockAgent } from "./model.js";

/**
 * Deletes an agent that never had a session (soft delete; its slug becomes free).
 * An agent with sessions keeps its history and must be archived instead.
 * @throws PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION (has sessions)
 */
export async function deleteAgent(deps: { sql: SqlClient }, caller: Caller, id: string): Promise<void> {
  const p = caller.principal;
  requireScopes(p, "agent:write");
  requireAgentAccess(p, id);
  await withOrg(deps.sql, p.orgId, async (tx) => {
    await lockAgent(tx, p.orgId, id);
    const { rows } = await tx.query("SELECT 1 FROM sessions WHERE org_id = $1 AND agent_id = $2 LIMIT 1", [
      p.orgId,
      id,
    ]);
    if (rows.length > 0) {
      throw new AppError("FAILED_PRECONDITION", "agent has sessions; archive it instead");
    }
    await tx.query("UPDATE agents SET deleted_at = now(), updated_at = now() WHERE org_id = $1 AND id = $2", [
      p.orgId,
      id,
    ]);
    // Tokens bound to a deleted agent can do nothing useful; revoke them with it.
    await tx.query(
      `UPDATE api_tokens SET revoked_at = now(), revoked_reason = 'agent deleted'
        WHERE org_id = $1 AND agent_id = $2 AND revoked_at IS NULL`,
      [p.orgId, id],
    );
    await recordAudit(tx, p.orgId, auditActor(caller), "agent.delete", id);
  });
}
