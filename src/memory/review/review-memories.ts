import { recordAudit } from "../../audit/record-audit.js";
import { auditActor, type Caller, requireAgentAccess, requireScopes } from "../../auth/principal.js";
import { isUniqueViolation, type SqlClient, type SqlExecutor } from "../../db/ports.js";
import { withOrg } from "../../db/tenant.js";
import type { KeyValue } from "../../kv/ports.js";
import type { Page } from "../../lib/cursor.js";
import { AppError, notFound } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import type { MemoryEngineConfig } from "../config.js";
import { adjustActiveCount, link, writeVersion } from "../history.js";
import { addToHotSet, removeFromHotSet } from "../hot-set.js";
import { listMemories } from "../manage-memories.js";
import { MEMORY_COLUMNS, type MemoryView, toMemoryView } from "../model.js";

type Deps = { sql: SqlClient; kv: KeyValue; logger: Logger; memoryConfig: MemoryEngineConfig };

/**
 * The review queue: an agent's `pending_review` and `quarantined` memories, newest first.
 * @throws PERMISSION_DENIED, NOT_FOUND
 */
export function listReviewQueue(
  deps: { sql: SqlClient },
  caller: Caller,
  agentId: string,
  q: { limit: number; cursor?: string },
): Promise<Page<MemoryView>> {
  return listMemories(deps, caller, agentId, { ...q, statuses: ["pending_review", "quarantined"] });
}

async function lockReviewable(
  tx: SqlExecutor,
  orgId: string,
  agentId: string,
  id: string,
): Promise<MemoryView> {
  const { rows } = await tx.query<Record<string, unknown>>(
    `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.org_id = $1 AND m.agent_id = $2 AND m.id = $3 AND m.deleted_at IS NULL
     FOR UPDATE OF m`,
    [orgId, agentId, id],
  );
  if (!rows[0]) throw notFound("memory");
  const m = toMemoryView(rows[0]);
  if (m.status !== "pending_review" && m.status !== "quarantined") {
    throw new AppError("FAILED_PRECONDITION", `memory is ${m.status}, not awaiting review`);
  }
  return m;
}

/**
 * The frame of a review decision: memory:write, the token's agent restriction, one
 * org-scoped transaction, and the memory locked and checked to be awaiting review.
 * @throws PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION
 */
function decide<T>(
  sql: SqlClient,
  caller: Caller,
  agentId: string,
  id: string,
  fn: (tx: SqlExecutor, memory: MemoryView) => Promise<T>,
): Promise<T> {
  const p = caller.principal;
  requireScopes(p, "memory:write");
  requireAgentAccess(p, agentId);
  return withOrg(sql, p.orgId, async (tx) => fn(tx, await lockReviewable(tx, p.orgId, agentId, id)));
}

/**
 * Approves a reviewed memory: it becomes active, and the memories it was flagged as
 * contradicting are superseded by it (the operator decided the new one is right).
 * @throws PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION (not in review),
 *   CONFLICT (an identical active memory exists)
 */
export async function approveMemory(
  deps: Deps,
  caller: Caller,
  agentId: string,
  id: string,
): Promise<MemoryView> {
  const p = caller.principal;
  let superseded: string[] = [];
  let view: MemoryView;
  try {
    view = await decide(deps.sql, caller, agentId, id, async (tx, m) => {
      await tx.query(
        "UPDATE memories SET status = 'active', updated_at = now() WHERE org_id = $1 AND id = $2",
        [p.orgId, id],
      );
      const olds = await tx.query<{ id: string }>(
        `UPDATE memories o SET status = 'superseded', superseded_by = $2, valid_until = now(), updated_at = now()
           FROM memory_relationships r
          WHERE r.org_id = $1 AND r.source_id = $2 AND r.relation = 'contradicts' AND o.id = r.target_id
            AND o.status = 'active' AND o.deleted_at IS NULL
          RETURNING o.id`,
        [p.orgId, id],
      );
      superseded = olds.rows.map((r) => String(r.id));
      for (const old of superseded) {
        await link(tx, p.orgId, id, old, "supersedes");
        await writeVersion(tx, p.orgId, old, "supersede", "user", "review_approved");
      }
      await writeVersion(tx, p.orgId, id, "restore", "user", `approved from ${m.status}`);
      await adjustActiveCount(tx, p.orgId, agentId, 1 - superseded.length);
      await recordAudit(tx, p.orgId, auditActor(caller), "memory.approve", id, {
        from: m.status,
        superseded: superseded.length,
      });
      const { rows } = await tx.query<Record<string, unknown>>(
        `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.id = $1`,
        [id],
      );
      return toMemoryView(rows[0] ?? {});
    });
  } catch (err) {
    if (isUniqueViolation(err, "memories_active_hash_key")) {
      throw new AppError("CONFLICT", "an identical active memory already exists");
    }
    throw err;
  }
  try {
    await removeFromHotSet(deps.kv, p.orgId, agentId, superseded);
    await addToHotSet(deps.kv, deps.memoryConfig, p.orgId, agentId, [view]);
  } catch (err) {
    deps.logger.warn("hot set update failed", { error: err instanceof Error ? err.name : "unknown" });
  }
  return view;
}

/**
 * Rejects a reviewed memory: it is archived (kept for the record, never retrieved).
 * @throws PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION (not in review)
 */
export async function rejectMemory(
  deps: { sql: SqlClient },
  caller: Caller,
  agentId: string,
  id: string,
): Promise<MemoryView> {
  const p = caller.principal;
  return decide(deps.sql, caller, agentId, id, async (tx, m) => {
    await tx.query(
      "UPDATE memories SET status = 'archived', valid_until = now(), updated_at = now() WHERE org_id = $1 AND id = $2",
      [p.orgId, id],
    );
    await writeVersion(tx, p.orgId, id, "archive", "user", `rejected from ${m.status}`);
    await recordAudit(tx, p.orgId, auditActor(caller), "memory.reject", id, { from: m.status });
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.id = $1`,
      [id],
    );
    return toMemoryView(rows[0] ?? {});
  });
}
