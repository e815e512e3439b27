import { type AuditActor, recordAudit } from "../../audit/record-audit.js";
import { withOrg } from "../../db/tenant.js";
import { toIso } from "../../lib/clock.js";
import { AppError, notFound } from "../../lib/errors.js";
import type { MemoryCategory } from "../categories.js";
import { adjustActiveCount, type ChangedBy, writeVersion } from "../history.js";
import { MEMORY_COLUMNS, type MemoryView, toMemoryView } from "../model.js";
import { redactPii } from "./pii.js";
import { validateMemoryInput } from "./validate-memory.js";
import {
  type AddMemoryDeps,
  applyResolution,
  type PreparedWrite,
  prepareWrite,
  type Resolution,
  readMemory,
  refreshHotSet,
  resolveCandidates,
  vectorLiteral,
} from "./write-steps.js";

export interface MemoryPatch {
  content?: string;
  category?: MemoryCategory;
  confidence?: number;
  tags?: string[];
  metadata?: Record<string, unknown>;
}

export interface UpdateMemoryResult {
  memory: MemoryView;
  merged: string[];
  superseded: string[];
  /** Set when the edited memory now needs review (or was quarantined). */
  flagged: "quarantined" | "pending_review" | null;
  conflictsWith: string[];
}

const EDITABLE = new Set(["active", "pending_review", "quarantined"]);

/**
 * Edits a memory. A new content or category re-runs the pipeline on it (redaction,
 * injection risk, embedding, near-duplicate and conflict checks against the agent's
 * other memories) and may change its status; other fields are updated in place.
 * Either way a `memory_versions` row records the change. Concurrent edits are
 * detected (the row changed since it was read) and refused.
 * @throws INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION (superseded, merged or
 *   archived), CONFLICT (an identical memory exists, or a concurrent edit)
 */
export async function updateMemory(
  deps: AddMemoryDeps,
  scope: { orgId: string; agentId: string; changedBy: ChangedBy; audit?: AuditActor },
  id: string,
  patch: MemoryPatch,
): Promise<UpdateMemoryResult> {
  const { orgId, agentId } = scope;
  const current = await withOrg(deps.sql, orgId, async (tx) => {
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.org_id = $1 AND m.agent_id = $2 AND m.id = $3 AND m.deleted_at IS NULL`,
      [orgId, agentId, id],
    );
    if (!rows[0]) throw notFound("memory");
    return toMemoryView(rows[0]);
  });
  if (!EDITABLE.has(current.status)) {
    throw new AppError("FAILED_PRECONDITION", `a ${current.status} memory cannot be edited`);
  }
  const merged = {
    content: patch.content ?? current.content,
    category: patch.category ?? current.category,
    confidence: patch.confidence ?? current.confidence,
    source: current.source,
    sessionId: current.session_id,
    tags: patch.tags ?? current.tags,
    metadata: patch.metadata ?? current.metadata,
  };
  const checked = validateMemoryInput(merged);
  const contentChanged =
    (patch.content !== undefined && redactPii(checked.content).text !== current.content) ||
    (patch.category !== undefined && patch.category !== current.category);
  const w: PreparedWrite | null = contentChanged ? await prepareWrite(deps, scope, merged, id) : null;

  const outcome = await withOrg(deps.sql, orgId, async (tx) => {
    const { rows } = await tx.query<{ status: string; updated_at: unknown }>(
      "SELECT status, updated_at FROM memories WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE",
      [orgId, id],
    );
    const row = rows[0];
    if (!row) throw notFound("memory");
    if (toIso(row.updated_at) !== current.updated_at) {
      throw new AppError("CONFLICT", "the memory changed while it was being edited; read it again and retry");
    }
    let resolution: Resolution = {
      status: current.status as Resolution["status"],
      merges: [],
      supersede: [],
      review: [],
    };
    if (w) {
      await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`${agentId}:${w.hash}`]);
      const twin = await tx.query(
        `SELECT 1 FROM memories WHERE org_id = $1 AND agent_id = $2 AND content_hash = $3 AND id <> $4 AND deleted_at IS NULL
            AND status IN ('active', 'pending_review', 'quarantined') LIMIT 1`,
        [orgId, agentId, w.hash, id],
      );
      if (twin.rows.length) {
        throw new AppError("CONFLICT", "another memory of this agent already says this", {
          fields: [{ path: "content", message: "identical to an existing memory" }],
        });
      }
      resolution = await resolveCandidates(tx, orgId, w, deps.config);
      await tx.query(
        `UPDATE memories SET content = $3, content_hash = $4, embedding = $5::vector, embedding_model = $6, category = $7,
                confidence = $8, status = $9, pii_redacted = $10, injection_risk = $11, metadata = $12, updated_at = now()
          WHERE org_id = $1 AND id = $2`,
        [
          orgId,
          id,
          w.content,
          w.hash,
          vectorLiteral(w.embedding),
          deps.embedder.model,
          w.category,
          w.confidence,
          resolution.status,
          JSON.stringify(w.redacted),
          w.risk,
          JSON.stringify(w.metadata),
        ],
      );
      await applyResolution(tx, orgId, id, resolution, scope.changedBy);
    } else {
      await tx.query(
        "UPDATE memories SET confidence = $3, metadata = $4, updated_at = now() WHERE org_id = $1 AND id = $2",
        [orgId, id, checked.confidence, JSON.stringify(checked.metadata)],
      );
    }
    if (patch.tags) {
      await tx.query("DELETE FROM memory_tags WHERE org_id = $1 AND memory_id = $2", [orgId, id]);
      await tx.query(
        "INSERT INTO memory_tags (memory_id, org_id, tag) SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING",
        [id, orgId, checked.tags],
      );
    }
    await writeVersion(
      tx,
      orgId,
      id,
      "update",
      scope.changedBy,
      contentChanged ? "content_changed" : "fields_changed",
    );
    if (scope.audit) {
      // In the same transaction as the edit: no change without its audit row.
      await recordAudit(tx, orgId, scope.audit, "memory.update", id, { fields: Object.keys(patch) });
    }
    const wasActive = current.status === "active" ? 1 : 0;
    const isActive = resolution.status === "active" ? 1 : 0;
    const delta = isActive - wasActive - resolution.merges.length - resolution.supersede.length;
    await adjustActiveCount(tx, orgId, agentId, delta);
    return { memory: await readMemory(tx, orgId, id), resolution };
  });

  const { memory, resolution } = outcome;
  const superseded = resolution.supersede.map((s) => s.id);
  const gone = [...resolution.merges, ...superseded, ...(memory.status === "active" ? [] : [id])];
  await refreshHotSet(deps, orgId, agentId, memory, gone);
  return {
    memory,
    merged: resolution.merges,
    superseded,
    flagged: memory.status === "quarantined" || memory.status === "pending_review" ? memory.status : null,
    conflictsWith: resolution.review.map((r) => r.id),
  };
}
