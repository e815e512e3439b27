import { recordAudit } from "../audit/record-audit.js";
import { auditActor, type Caller } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { AppError } from "../lib/errors.js";
import { mutateAgent } from "./model.js";

/**
 * Deletes an agent that never had a session (soft delete; its slug becomes free) and
 * revokes the tokens bound to it. An agent with sessions keeps its history and must
 * be archived instead.
 * @throws PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION (has sessions)
 * @returns the ids of the tokens revoked with it
 */
export async function deleteAgent(deps: { sql: SqlClient }, caller: Caller, id: string): Promise<string[]> {
  const orgId = caller.principal.orgId;
  return mutateAgent(deps.sql, caller, id, async (tx) => {
    const { rows } = await tx.query("SELECT 1 FROM sessions WHERE org_id = $1 AND agent_id = $2 LIMIT 1", [
      orgId,
      id,
    ]);
    if (rows.length > 0) {
      throw new AppError("FAILED_PRECONDITION", "agent has sessions; archive it instead");
    }
    await tx.query("UPDATE agents SET deleted_at = now(), updated_at = now() WHERE org_id = $1 AND id = $2", [
      orgId,
      id,
    ]);
    const revoked = await tx.query<{ id: string }>(
      `UPDATE api_tokens SET revoked_at = now(), revoked_reason = 'agent deleted'
        WHERE org_id = $1 AND agent_id = $2 AND revoked_at IS NULL RETURNING id`,
      [orgId, id],
    );
    await recordAudit(tx, orgId, auditActor(caller), "agent.delete", id, {
      revoked_tokens: revoked.rowCount,
    });
    return revoked.rows.map((r) => String(r.id));
  });
}
