import type { SqlExecutor } from "../db/ports.js";
import type { MemoryCategory, MemorySource, MemoryStatus } from "./categories.js";
import { MEMORY_COLUMNS, type MemoryView, toMemoryView } from "./model.js";

/** The filters of listing, export and bulk deletion (memory-engine.md §5). */
export interface MemoryFilter {
  category?: MemoryCategory;
  status?: MemoryStatus;
  /** Any of these statuses (the review queue); combined with `status` when both are given. */
  statuses?: MemoryStatus[];
  source?: MemorySource;
  tag?: string;
  created_after?: string;
  created_before?: string;
}

/** The filter as SQL over `memories m`: $1 org, $2 agent, $3–$9 the filter, $10 the keyset position; callers append from $11. */
export const MEMORY_WHERE = `m.org_id = $1 AND m.agent_id = $2 AND m.deleted_at IS NULL
  AND ($3::text IS NULL OR m.category = $3) AND ($4::text IS NULL OR m.status = $4)
  AND ($5::text[] IS NULL OR m.status = ANY($5::text[]))
  AND ($6::text IS NULL OR m.source = $6)
  AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM memory_tags t WHERE t.memory_id = m.id AND t.tag = $7))
  AND ($8::timestamptz IS NULL OR m.created_at > $8) AND ($9::timestamptz IS NULL OR m.created_at < $9)
  AND ($10::uuid IS NULL OR m.id < $10::uuid)`;

/** The parameters $1–$10 of MEMORY_WHERE. */
export function memoryWhereParams(
  orgId: string,
  agentId: string,
  f: MemoryFilter,
  after: string | null,
): unknown[] {
  return [
    orgId,
    agentId,
    f.category ?? null,
    f.status ?? null,
    f.statuses?.length ? f.statuses : null,
    f.source ?? null,
    f.tag ?? null,
    f.created_after ?? null,
    f.created_before ?? null,
    after,
  ];
}

/**
 * One keyset page of an agent's live (not deleted) memories, newest first:
 * rows with ids below `after`, at most `limit`. Runs inside the caller's org scope.
 */
export async function selectMemories(
  tx: SqlExecutor,
  orgId: string,
  agentId: string,
  f: MemoryFilter,
  page: { after: string | null; limit: number },
): Promise<MemoryView[]> {
  const { rows } = await tx.query<Record<string, unknown>>(
    `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE ${MEMORY_WHERE} ORDER BY m.id DESC LIMIT $11`,
    [...memoryWhereParams(orgId, agentId, f, page.after), page.limit],
  );
  return rows.map(toMemoryView);
}

/** How many live memories match the filter, counting no further than `cap`. */
export async function countMemories(
  tx: SqlExecutor,
  orgId: string,
  agentId: string,
  f: MemoryFilter,
  cap: number,
): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM memories m WHERE ${MEMORY_WHERE} LIMIT $11) capped`,
    [...memoryWhereParams(orgId, agentId, f, null), cap],
  );
  return Number(rows[0]?.n ?? 0);
}
