import { recordAudit } from "../audit/record-audit.js";
import {
  auditActor,
  type Caller,
  requireAgentAccess,
  requireAnyScope,
  requireScopes,
} from "../auth/principal.js";
import type { SqlClient, SqlExecutor } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import type { KeyValue } from "../kv/ports.js";
import { toIso } from "../lib/clock.js";
import { jsonColumn } from "../lib/columns.js";
import { decodeCursor, type Page, toPage } from "../lib/cursor.js";
import { notFound } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { requireAgent } from "./agent-scope.js";
import { adjustActiveCount, writeVersion } from "./history.js";
import { removeFromHotSet } from "./hot-set.js";
import { MEMORY_COLUMNS, type MemoryView, toMemoryView } from "./model.js";
import { MEMORY_WHERE, type MemoryFilter, memoryWhereParams, selectMemories } from "./query-memories.js";

async function lockMemory(tx: SqlExecutor, orgId: string, agentId: string, id: string): Promise<MemoryView> {
  const { rows } = await tx.query<Record<string, unknown>>(
    `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.org_id = $1 AND m.agent_id = $2 AND m.id = $3 AND m.deleted_at IS NULL
     FOR UPDATE OF m`,
    [orgId, agentId, id],
  );
  if (!rows[0]) throw notFound("memory");
  return toMemoryView(rows[0]);
}

/**
 * Lists an agent's memories (not deleted), newest first, with filters.
 * @throws PERMISSION_DENIED, NOT_FOUND (agent), INVALID_ARGUMENT (cursor)
 */
export async function listMemories(
  deps: { sql: SqlClient },
  caller: Caller,
  agentId: string,
  q: MemoryFilter & { limit: number; cursor?: string },
): Promise<Page<MemoryView>> {
  const p = caller.principal;
  requireScopes(p, "memory:read");
  requireAgentAccess(p, agentId);
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  return withOrg(deps.sql, p.orgId, async (tx) => {
    await requireAgent(tx, p.orgId, agentId);
    const rows = await selectMemories(tx, p.orgId, agentId, q, { after, limit: q.limit + 1 });
    return toPage(rows, q.limit);
  });
}

/**
 * One memory with its versions and relationships.
 * @throws PERMISSION_DENIED, NOT_FOUND
 */
export async function getMemory(deps: { sql: SqlClient }, caller: Caller, agentId: string, id: string) {
  const p = caller.principal;
  requireScopes(p, "memory:read");
  requireAgentAccess(p, agentId);
  return withOrg(deps.sql, p.orgId, async (tx) => {
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.org_id = $1 AND m.agent_id = $2 AND m.id = $3 AND m.deleted_at IS NULL`,
      [p.orgId, agentId, id],
    );
    if (!rows[0]) throw notFound("memory");
    const versions = await tx.query<Record<string, unknown>>(
      "SELECT version_num, operation, snapshot, changed_by, reason, created_at FROM memory_versions WHERE org_id = $1 AND memory_id = $2 ORDER BY version_num",
      [p.orgId, id],
    );
    const links = await tx.query<Record<string, unknown>>(
      `SELECT source_id, target_id, relation, confidence, created_at FROM memory_relationships
        WHERE org_id = $1 AND (source_id = $2 OR target_id = $2) ORDER BY created_at, id`,
      [p.orgId, id],
    );
    return {
      ...toMemoryView(rows[0]),
      versions: versions.rows.map((v) => ({
        version_num: Number(v.version_num),
        operation: String(v.operation),
        snapshot: jsonColumn<Record<string, unknown>>(v.snapshot),
        changed_by: String(v.changed_by),
        reason: v.reason ? String(v.reason) : null,
        created_at: toIso(v.created_at) ?? "",
      })),
      relationships: links.rows.map((l) => ({
        source_id: String(l.source_id),
        target_id: String(l.target_id),
        relation: String(l.relation),
        confidence: l.confidence === null ? null : Number(l.confidence),
        created_at: toIso(l.created_at) ?? "",
      })),
    };
  });
}

/**
 * Soft-deletes a memory: `deleted_at`, a `delete` version row, removal from the hot set.
 * @throws PERMISSION_DENIED, NOT_FOUND
 */
export async function deleteMemory(
  deps: { sql: SqlClient; kv: KeyValue; logger: Logger },
  caller: Caller,
  agentId: string,
  id: string,
): Promise<void> {
  const p = caller.principal;
  requireScopes(p, "memory:delete");
  requireAgentAccess(p, agentId);
  await withOrg(deps.sql, p.orgId, async (tx) => {
    const m = await lockMemory(tx, p.orgId, agentId, id);
    await tx.query(
      "UPDATE memories SET deleted_at = now(), updated_at = now() WHERE org_id = $1 AND id = $2",
      [p.orgId, id],
    );
    await writeVersion(tx, p.orgId, id, "delete", "user");
    if (m.status === "active") {
      await adjustActiveCount(tx, p.orgId, agentId, -1);
    }
    await recordAudit(tx, p.orgId, auditActor(caller), "memory.delete", id, { agent_id: agentId });
  });
  await removeFromHotSet(deps.kv, p.orgId, agentId, [id]).catch((err: unknown) =>
    deps.logger.warn("hot set update failed", { error: err instanceof Error ? err.name : "unknown" }),
  );
}

const STEP = 0.2;

/** The usefulness after feedback: positive moves 20 % of the way to 1, negative 20 % toward 0. */
export function nextUsefulness(current: number, feedback: "positive" | "negative" | "neutral"): number {
  const next =
    feedback === "positive"
      ? current + STEP * (1 - current)
      : feedback === "negative"
        ? current - STEP * current
        : current;
  return Math.round(Math.min(1, Math.max(0, next)) * 1e6) / 1e6;
}

/**
 * Records feedback on a memory's usefulness (bounded in [0, 1]).
 * @throws PERMISSION_DENIED, NOT_FOUND
 */
export async function recordFeedback(
  deps: { sql: SqlClient },
  caller: Caller,
  agentId: string,
  id: string,
  feedback: "positive" | "negative" | "neutral",
): Promise<{ memory_id: string; previous_score: number; new_score: number }> {
  const p = caller.principal;
  requireScopes(p, "memory:write");
  requireAgentAccess(p, agentId);
  return withOrg(deps.sql, p.orgId, async (tx) => {
    const m = await lockMemory(tx, p.orgId, agentId, id);
    const next = nextUsefulness(m.usefulness, feedback);
    await tx.query("UPDATE memories SET usefulness = $3, updated_at = now() WHERE org_id = $1 AND id = $2", [
      p.orgId,
      id,
      next,
    ]);
    await recordAudit(tx, p.orgId, auditActor(caller), "memory.feedback", id, { feedback });
    return { memory_id: id, previous_score: m.usefulness, new_score: next };
  });
}

/**
 * Soft-deletes every memory of an agent matching the filter, each with a `delete`
 * version row, in one transaction; then removes them from the hot set.
 * @throws PERMISSION_DENIED, NOT_FOUND (agent)
 */
export async function bulkDeleteMemories(
  deps: { sql: SqlClient; kv: KeyValue; logger: Logger },
  caller: Caller,
  agentId: string,
  f: Omit<MemoryFilter, "statuses">,
): Promise<{ deleted: number }> {
  const p = caller.principal;
  requireScopes(p, "memory:delete");
  requireAgentAccess(p, agentId);
  const ids = await withOrg(deps.sql, p.orgId, async (tx) => {
    await requireAgent(tx, p.orgId, agentId);
    const { rows } = await tx.query<{ id: string; status: string }>(
      `UPDATE memories m SET deleted_at = now(), updated_at = now() WHERE ${MEMORY_WHERE} RETURNING m.id, m.status`,
      memoryWhereParams(p.orgId, agentId, f, null),
    );
    const deleted = await recordDeletions(tx, p.orgId, agentId, rows, "bulk_delete");
    await recordAudit(tx, p.orgId, auditActor(caller), "memory.bulk_delete", agentId, {
      deleted: deleted.length,
      filter: { ...f },
    });
    return deleted;
  });
  await removeFromHotSet(deps.kv, p.orgId, agentId, ids).catch((err: unknown) =>
    deps.logger.warn("hot set update failed", { error: err instanceof Error ? err.name : "unknown" }),
  );
  return { deleted: ids.length };
}

/**
 * After memories of one agent were soft-deleted (`rows`, with their status before):
 * one version row each and the agent's active count. Returns their ids.
 */
export async function recordDeletions(
  tx: SqlExecutor,
  orgId: string,
  agentId: string,
  rows: readonly { id: string; status: string }[],
  reason: string,
): Promise<string[]> {
  const deleted = rows.map((r) => String(r.id));
  if (deleted.length === 0) return deleted;
  await tx.query(
    `INSERT INTO memory_versions (id, org_id, memory_id, version_num, operation, snapshot, changed_by, reason)
     SELECT gen_random_uuid(), m.org_id, m.id,
            coalesce((SELECT max(version_num) FROM memory_versions v WHERE v.memory_id = m.id), 0) + 1,
            'delete', jsonb_build_object('content', m.content, 'category', m.category, 'confidence', m.confidence,
            'status', m.status), 'user', $3
       FROM memories m WHERE m.org_id = $1 AND m.id = ANY($2::uuid[])`,
    [orgId, deleted, reason],
  );
  const active = rows.filter((r) => r.status === "active").length;
  await adjustActiveCount(tx, orgId, agentId, -active);
  return deleted;
}

/**
 * Feedback on several memories of the caller's org, by id alone (the gateway's
 * RecordMemoryFeedback has no agent id), in one transaction.
 * @throws PERMISSION_DENIED (scope or agent binding), NOT_FOUND (any id unknown)
 */
export async function recordFeedbackByIds(
  deps: { sql: SqlClient },
  caller: Caller,
  ids: string[],
  feedback: "positive" | "negative" | "neutral",
): Promise<{ memory_id: string; previous_score: number; new_score: number }[]> {
  const p = caller.principal;
  requireAnyScope(p, "memory:write", "context:assemble");
  const unique = [...new Set(ids)];
  return withOrg(deps.sql, p.orgId, async (tx) => {
    const { rows } = await tx.query<{ id: string; agent_id: string; usefulness: number }>(
      `SELECT id, agent_id, usefulness FROM memories
        WHERE org_id = $1 AND id = ANY($2::uuid[]) AND deleted_at IS NULL ORDER BY id FOR UPDATE`,
      [p.orgId, unique],
    );
    if (rows.length !== unique.length) throw notFound("memory");
    const updates = rows.map((r) => {
      requireAgentAccess(p, String(r.agent_id));
      const previous = Number(r.usefulness);
      return {
        memory_id: String(r.id),
        previous_score: previous,
        new_score: nextUsefulness(previous, feedback),
      };
    });
    for (const u of updates) {
      await tx.query(
        "UPDATE memories SET usefulness = $3, updated_at = now() WHERE org_id = $1 AND id = $2",
        [p.orgId, u.memory_id, u.new_score],
      );
    }
    await recordAudit(tx, p.orgId, auditActor(caller), "memory.feedback", null, {
      feedback,
      count: updates.length,
    });
    const byId = new Map(updates.map((u) => [u.memory_id, u]));
    return ids.map((id) => byId.get(id) as (typeof updates)[number]);
  });
}
