import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import type { KeyValue } from "../kv/ports.js";
import type { MemoryEngineConfig } from "./config.js";

/** The Redis key of an agent's hot set; the org prefix lets a purge find every key. */
export function hotSetKey(orgId: string, agentId: string): string {
  return `${orgId}:hot:${agentId}`;
}

/**
 * The query-independent part of the composite score (memory-engine.md §4): usefulness,
 * confidence and frequency, with the relevance term left out. Recency is left to
 * ranking time; in the set, newer ids win ties (the set's member order).
 */
export function hotScore(m: { usefulness: number; confidence: number; retrieval_count: number }): number {
  const frequency = Math.min(m.retrieval_count / 50, 1);
  return Math.round((0.2 * m.usefulness + 0.1 * m.confidence + 0.05 * frequency) * 1e6) / 1e6;
}

/** Adds or re-scores memories, trims to the configured size and renews the TTL, atomically. */
export function addToHotSet(
  kv: KeyValue,
  config: MemoryEngineConfig,
  orgId: string,
  agentId: string,
  memories: { id: string; usefulness: number; confidence: number; retrieval_count: number }[],
): Promise<void> {
  return kv.zaddTrim(
    hotSetKey(orgId, agentId),
    memories.map((m) => ({ member: m.id, score: hotScore(m) })),
    config.hotSetSize,
    config.hotSetTtlSeconds,
  );
}

/** Removes memories (deleted, superseded, merged) from the agent's hot set. */
export async function removeFromHotSet(
  kv: KeyValue,
  orgId: string,
  agentId: string,
  ids: string[],
): Promise<void> {
  if (ids.length > 0) await kv.zrem(hotSetKey(orgId, agentId), ids);
}

/** The agent's hottest memory ids, best first. */
export function readHotSet(kv: KeyValue, orgId: string, agentId: string, count: number): Promise<string[]> {
  return kv.ztop(hotSetKey(orgId, agentId), count);
}

/**
 * Rebuilds the hot set from Postgres (the source of truth): the top memories among
 * the agent's active ones. Run periodically and after a cache loss.
 */
export async function reconcileHotSet(
  sql: SqlClient,
  kv: KeyValue,
  config: MemoryEngineConfig,
  orgId: string,
  agentId: string,
): Promise<number> {
  const rows = await withOrg(sql, orgId, async (tx) => {
    const { rows } = await tx.query<{
      id: string;
      usefulness: number;
      confidence: number;
      retrieval_count: number;
    }>(
      `SELECT id, usefulness, confidence, retrieval_count FROM memories
        WHERE org_id = $1 AND agent_id = $2 AND status = 'active' AND deleted_at IS NULL
        ORDER BY 0.2 * usefulness + 0.1 * confidence + 0.05 * least(retrieval_count / 50.0, 1) DESC, id DESC
        LIMIT $3`,
      [orgId, agentId, config.hotSetSize],
    );
    return rows;
  });
  await kv.zreplace(
    hotSetKey(orgId, agentId),
    rows.map((m) => ({
      member: String(m.id),
      score: hotScore({
        usefulness: Number(m.usefulness),
        confidence: Number(m.confidence),
        retrieval_count: Number(m.retrieval_count),
      }),
    })),
    config.hotSetTtlSeconds,
  );
  return rows.length;
}
