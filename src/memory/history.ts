import type { SqlExecutor } from "../db/ports.js";
import { uuidv7 } from "../lib/ids.js";

export type VersionOperation = "create" | "update" | "supersede" | "merge" | "archive" | "delete" | "restore";
export type ChangedBy = "extraction" | "user" | "system" | "conflict_resolution";
export type Relation = "supports" | "contradicts" | "supersedes" | "refines" | "merged_from" | "derived_from";

/**
 * Appends a `memory_versions` row snapshotting the memory as it now is, numbered after
 * its previous versions, inside the caller's transaction.
 */
export async function writeVersion(
  tx: SqlExecutor,
  orgId: string,
  memoryId: string,
  operation: VersionOperation,
  changedBy: ChangedBy,
  reason: string | null = null,
): Promise<void> {
  await tx.query(
    `INSERT INTO memory_versions (id, org_id, memory_id, version_num, operation, snapshot, changed_by, reason)
     SELECT $1, $2, m.id,
            coalesce((SELECT max(version_num) FROM memory_versions v WHERE v.memory_id = m.id), 0) + 1,
            $4, jsonb_build_object('content', m.content, 'category', m.category, 'confidence', m.confidence,
                                   'status', m.status), $5, $6
       FROM memories m WHERE m.org_id = $2 AND m.id = $3`,
    [uuidv7(), orgId, memoryId, operation, changedBy, reason],
  );
}

/** Records a relationship (idempotent per source, target and relation). */
export async function link(
  tx: SqlExecutor,
  orgId: string,
  sourceId: string,
  targetId: string,
  relation: Relation,
  confidence: number | null = null,
): Promise<void> {
  await tx.query(
    `INSERT INTO memory_relationships (id, org_id, source_id, target_id, relation, confidence)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source_id, target_id, relation) DO NOTHING`,
    [uuidv7(), orgId, sourceId, targetId, relation, confidence],
  );
}

/** Keeps `agents.total_memories` equal to the agent's active memories (never below 0). */
export async function adjustActiveCount(
  tx: SqlExecutor,
  orgId: string,
  agentId: string,
  delta: number,
): Promise<void> {
  if (delta === 0) return;
  await tx.query(
    "UPDATE agents SET total_memories = greatest(total_memories + $3, 0) WHERE org_id = $1 AND id = $2",
    [orgId, agentId, delta],
  );
}
