import { type AuditActor, recordAudit } from "../../audit/record-audit.js";
import type { SqlExecutor } from "../../db/ports.js";
import { withOrg } from "../../db/tenant.js";
import { uuidv7 } from "../../lib/ids.js";
import { requireWritableAgent } from "../agent-scope.js";
import type { ChangedBy } from "../history.js";
import { adjustActiveCount, writeVersion } from "../history.js";
import type { MemoryView } from "../model.js";
import type { MemoryInput } from "./validate-memory.js";
import {
  type AddMemoryDeps,
  applyResolution,
  prepareWrite,
  readMemory,
  refreshHotSet,
  resolveCandidates,
  vectorLiteral,
} from "./write-steps.js";

export type { AddMemoryDeps } from "./write-steps.js";

/** Who writes, and how the write fits the caller's own work. */
export interface AddMemoryScope {
  orgId: string;
  agentId: string;
  changedBy: ChangedBy;
  audit?: AuditActor;
  /**
   * Runs inside the write's transaction after it, whatever the outcome: work that must
   * commit with the memory or not at all (extraction's progress and idempotency keys).
   */
  inTransaction?: (tx: SqlExecutor, result: AddMemoryResult) => Promise<void>;
  /** A memory whose confidence is below this goes to review instead of active. */
  reviewBelowConfidence?: number;
}

/** What happened to a write; callers branch on `outcome` (no exceptions for these). */
export type AddMemoryResult =
  | { outcome: "created"; memory: MemoryView; superseded: string[] }
  | { outcome: "duplicate"; memory: MemoryView }
  | { outcome: "merged"; memory: MemoryView; merged: string[]; superseded: string[] }
  | {
      outcome: "flagged";
      memory: MemoryView;
      reason: "quarantined" | "pending_review";
      conflictsWith: string[];
    };

/**
 * The write pipeline (memory-engine.md §3, ADR-0034): validate, redact PII, score
 * injection risk, then — embedding and the conflict judge's calls done first, so no
 * lock is held across network I/O — one transaction that de-duplicates exactly,
 * merges near-duplicates, supersedes or flags contradictions, inserts the memory with
 * its version row and links, and finally updates the hot set (best effort).
 * @throws INVALID_ARGUMENT, NOT_FOUND (agent), FAILED_PRECONDITION (archived agent),
 *   UNAVAILABLE (embedder down: nothing is written).
 */
export async function addMemory(
  deps: AddMemoryDeps,
  scope: AddMemoryScope,
  input: MemoryInput,
): Promise<AddMemoryResult> {
  const { orgId, agentId } = scope;
  const w = await prepareWrite(deps, scope, input);

  const write = async (tx: SqlExecutor): Promise<AddMemoryResult> => {
    await requireWritableAgent(tx, orgId, agentId);
    // Serialises concurrent writers of the same content for this agent.
    await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`${agentId}:${w.hash}`]);
    const existing = await tx.query<{ id: string }>(
      `SELECT id FROM memories WHERE org_id = $1 AND agent_id = $2 AND content_hash = $3 AND deleted_at IS NULL
          AND status IN ('active', 'pending_review', 'quarantined') ORDER BY id LIMIT 1`,
      [orgId, agentId, w.hash],
    );
    if (existing.rows[0]) {
      const id = String(existing.rows[0].id);
      await tx.query(
        "UPDATE memories SET retrieval_count = retrieval_count + 1, last_retrieved_at = now() WHERE org_id = $1 AND id = $2",
        [orgId, id],
      );
      return { outcome: "duplicate", memory: await readMemory(tx, orgId, id) };
    }

    const resolved = await resolveCandidates(tx, orgId, w, deps.config);
    // An uncertain extraction is kept for a person to confirm rather than trusted.
    const unsure = scope.reviewBelowConfidence !== undefined && w.confidence < scope.reviewBelowConfidence;
    const r =
      unsure && resolved.status === "active" ? { ...resolved, status: "pending_review" as const } : resolved;
    const id = uuidv7();
    await tx.query(
      `INSERT INTO memories (id, org_id, agent_id, session_id, content, content_hash, embedding, embedding_model,
                             category, source, status, confidence, pii_redacted, injection_risk, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7::vector, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [
        id,
        orgId,
        agentId,
        w.sessionId,
        w.content,
        w.hash,
        vectorLiteral(w.embedding),
        deps.embedder.model,
        w.category,
        w.source,
        r.status,
        w.confidence,
        JSON.stringify(w.redacted),
        w.risk,
        JSON.stringify(w.metadata),
      ],
    );
    if (w.tags.length) {
      await tx.query(
        "INSERT INTO memory_tags (memory_id, org_id, tag) SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING",
        [id, orgId, w.tags],
      );
    }
    await writeVersion(tx, orgId, id, "create", scope.changedBy, w.quarantined ? "quarantined" : null);
    await applyResolution(tx, orgId, id, r, scope.changedBy);

    const delta = (r.status === "active" ? 1 : 0) - r.merges.length - r.supersede.length;
    await adjustActiveCount(tx, orgId, agentId, delta);
    const memory = await readMemory(tx, orgId, id);
    const superseded = r.supersede.map((x) => x.id);
    if (scope.audit) {
      // In the same transaction as the write: no change without its audit row.
      await recordAudit(tx, orgId, scope.audit, "memory.create", id, {
        agent_id: agentId,
        status: memory.status,
      });
    }
    if (w.quarantined) return { outcome: "flagged", memory, reason: "quarantined", conflictsWith: [] };
    if (r.review.length || r.status === "pending_review")
      return {
        outcome: "flagged",
        memory,
        reason: "pending_review",
        conflictsWith: r.review.map((x) => x.id),
      };
    if (r.merges.length) return { outcome: "merged", memory, merged: r.merges, superseded };
    return { outcome: "created", memory, superseded };
  };
  const result = await withOrg(deps.sql, orgId, async (tx) => {
    const outcome = await write(tx);
    await scope.inTransaction?.(tx, outcome);
    return outcome;
  });

  const gone =
    result.outcome === "merged"
      ? [...result.merged, ...result.superseded]
      : result.outcome === "created"
        ? result.superseded
        : [];
  await refreshHotSet(deps, orgId, agentId, result.memory, gone);
  return result;
}
