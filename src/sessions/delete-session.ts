import { storeCall } from "../archives/archive-object.js";
import { archiveKey } from "../archives/model.js";
import { recordAudit } from "../audit/record-audit.js";
import { auditActor, type Caller, requireAgentAccess, requireScopes } from "../auth/principal.js";
import type { BlobStore } from "../blobs/ports.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import type { KeyValue } from "../kv/ports.js";
import { toIso } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import { removeFromHotSet } from "../memory/hot-set.js";
import { recordDeletions } from "../memory/manage-memories.js";
import { findSession } from "./find-session.js";

/** What a session delete removed. */
export interface DeleteSessionResult {
  deleted_messages: number;
  deleted_memories: number;
  /** Assembly events the gateway reported for this session id. */
  deleted_events: number;
  /** Whether the session had an archive (its object is gone too). */
  deleted_archive: boolean;
}

/**
 * Deletes a session: its messages, its archive object and row, and the assembly
 * events recorded under its id (sessions-jobs-archives.md, "GDPR deletion"). The
 * archive object is deleted first, under the session's lock: when object storage
 * is down the whole delete fails (503) and nothing is left half-deleted or orphaned;
 * an archive job writing meanwhile finds the session gone and removes its object.
 * Memories extracted from it stay (their `session_id` becomes null) unless
 * `withMemories`, which soft-deletes them too (scope memory:delete as well). Its
 * queued jobs find no session and do nothing.
 * @throws PERMISSION_DENIED, NOT_FOUND (also another org's session), UNAVAILABLE (object storage)
 */
export async function deleteSession(
  deps: { sql: SqlClient; kv: KeyValue; logger: Logger; blobs: BlobStore },
  caller: Caller,
  agentId: string,
  sessionId: string,
  withMemories: boolean,
): Promise<DeleteSessionResult> {
  const p = caller.principal;
  requireScopes(p, "session:delete");
  if (withMemories) requireScopes(p, "memory:delete");
  requireAgentAccess(p, agentId);
  const result = await withOrg(deps.sql, p.orgId, async (tx) => {
    const row = await findSession(tx, p.orgId, agentId, sessionId, true);
    const recorded = row.archive_key == null ? null : String(row.archive_key);
    if (recorded) await storeCall(() => deps.blobs.delete(recorded));
    // The key is a function of the session, so an object a job wrote and never recorded (its
    // worker died) goes too. Nothing was recorded: a store that is down (or absent) is no reason to fail.
    const key = archiveKey({
      orgId: p.orgId,
      agentId,
      startedAt: toIso(row.created_at) ?? "",
      sessionId: String(row.external_id),
    });
    if (key !== recorded) {
      await deps.blobs.delete(key).catch((err: unknown) =>
        deps.logger.warn("unrecorded session archive not checked", {
          error: err instanceof Error ? err.name : "unknown",
        }),
      );
    }
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
    const events = await tx.query(
      "DELETE FROM assembly_events WHERE org_id = $1 AND agent_id = $2 AND session_id = $3",
      [p.orgId, agentId, row.external_id],
    );
    await tx.query("DELETE FROM sessions WHERE org_id = $1 AND id = $2", [p.orgId, row.id]);
    await recordAudit(tx, p.orgId, auditActor(caller), "session.delete", String(row.id), {
      agent_id: agentId,
      messages: Number(row.turn_count),
      memories: memoryIds.length,
      events: events.rowCount,
      archive: recorded !== null,
    });
    return {
      deleted_messages: Number(row.turn_count),
      memoryIds,
      deleted_events: events.rowCount,
      deleted_archive: recorded !== null,
    };
  });
  if (result.memoryIds.length > 0) {
    await removeFromHotSet(deps.kv, p.orgId, agentId, result.memoryIds).catch((err: unknown) =>
      deps.logger.warn("hot set update failed", { error: err instanceof Error ? err.name : "unknown" }),
    );
  }
  return {
    deleted_messages: result.deleted_messages,
    deleted_memories: result.memoryIds.length,
    deleted_events: result.deleted_events,
    deleted_archive: result.deleted_archive,
  };
}
