import { recordAudit } from "../audit/record-audit.js";
import { auditActor, type Caller, requireAgentAccess, requireScopes } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import type { KeyValue } from "../kv/ports.js";
import type { Logger } from "../lib/logger.js";
import { removeFromHotSet } from "../memory/hot-set.js";
import { recordDeletions } from "../memory/manage-memories.js";
import { findSession } from "./find-session.js";

/**
 * Deletes a session and its messages. Memories extracted from it stay (their
 * `session_id` becomes null) unless `withMemories`, which soft-deletes them too
 * (scope memory:delete as well). Its queued jobs find no session and do nothing.
 * @throws PERMISSION_DENIED, NOT_FOUND (also another org's session)
 */
export async function deleteSession(
  deps: { sql: SqlClient; kv: KeyValue; logger: Logger },
  caller: Caller,
  agentId: string,
  sessionId: string,
  withMemories: boolean,
): Promise<{ deleted_messages: number; deleted_memories: number }> {
  const p = caller.principal;
  requireScopes(p, "session:delete");
  if (withMemories) requireScopes(p, "memory:delete");
  requireAgentAccess(p, agentId);
  const result = await withOrg(deps.sql, p.orgId, async (tx) => {
    const row = await findSession(tx, p.orgId, agentId, sessionId, true);
    let memoryIds: string[] = [];
    if (withMemories) {
      const { rows } = await tx.query<{ id: string; status: string }>(
        `WITH gone AS (
           SELECT id, status FROM memories
            WHERE org_id = $1 AND agent_id = $2 AND session_id = $3 AND deleted_at IS NULL FOR UPDATE)
         UPDATE memories m SET deleted_at = now(), updated_at = now() FROM gone
          WHERE m.org_id = $1 AND m.id = gone.id RETURNING m.id, gone.status`,
        [p.orgId, agentId, row.id],
      );
      memoryIds = await recordDeletions(tx, p.orgId, agentId, rows, "session_delete");
    }
    await tx.query("DELETE FROM sessions WHERE org_id = $1 AND id = $2", [p.orgId, row.id]);
    await recordAudit(tx, p.orgId, auditActor(caller), "session.delete", String(row.id), {
      agent_id: agentId,
      messages: Number(row.turn_count),
      memories: memoryIds.length,
    });
    return { deleted_messages: Number(row.turn_count), memoryIds };
  });
  if (result.memoryIds.length > 0) {
    await removeFromHotSet(deps.kv, p.orgId, agentId, result.memoryIds).catch((err: unknown) =>
      deps.logger.warn("hot set update failed", { error: err instanceof Error ? err.name : "unknown" }),
    );
  }
  return { deleted_messages: result.deleted_messages, deleted_memories: result.memoryIds.length };
}
