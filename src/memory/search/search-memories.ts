import type { SqlClient } from "../../db/ports.js";
import { withOrg } from "../../db/tenant.js";
import type { Embedder } from "../../embedding/ports.js";
import type { Clock } from "../../lib/clock.js";
import { toMillis } from "../../lib/clock.js";
import { AppError } from "../../lib/errors.js";
import { requireAgent } from "../agent-scope.js";
import type { MemoryCategory } from "../categories.js";
import { MEMORY_COLUMNS, type MemoryView, toMemoryView } from "../model.js";
import { applyAnnSettings } from "./ann.js";
import { lexicalQuery } from "./lexical.js";
import {
  checkWeights,
  rankMemories,
  reciprocalRankFusion,
  type Scored,
  type ScoreWeights,
} from "./scoring.js";

export interface SearchOptions {
  query: string;
  /** 1–100, default 10. */
  limit?: number;
  /** Exclusive lower bound on cosine similarity. */
  minSimilarity?: number;
  minConfidence?: number;
  categories?: MemoryCategory[];
  tags?: string[];
  weights?: ScoreWeights;
}

export interface SearchHit {
  memory: MemoryView;
  score: Scored;
}

const vectorLiteral = (v: readonly number[]) => `[${v.join(",")}]`;
// Each retriever contributes this many candidates per requested result.
const FANOUT = 4;
// Full-text matches ranked at most: every match for most agents, a bounded sample for huge ones.
const LEXICAL_POOL = 2000;

/**
 * Searches an agent's active memories (memory-engine.md §4): cosine ANN with the
 * filters applied inside the index scan (pgvector 0.8 iterative scans keep filtered
 * queries from starving), and full-text search over the same filters; the two lists
 * are fused by reciprocal rank fusion into a candidate set, which is ranked by the
 * composite score (relevance = cosine). Quarantined, pending, superseded, merged and
 * deleted memories never appear.
 * @throws INVALID_ARGUMENT for a blank query, bad limit or weights; NOT_FOUND for an
 *   agent that is not the org's.
 */
export async function searchMemories(
  deps: { sql: SqlClient; embedder: Embedder; clock: Clock },
  scope: { orgId: string; agentId: string },
  o: SearchOptions,
): Promise<{ hits: SearchHit[]; candidates: number }> {
  const limit = o.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new AppError("INVALID_ARGUMENT", "limit must be 1–100", {
      fields: [{ path: "limit", message: "1–100" }],
    });
  }
  const weights = o.weights ? checkWeights(o.weights) : undefined;
  const embedding = await deps.embedder.embed(o.query);
  const q = vectorLiteral(embedding);
  const k = limit * FANOUT;
  const filters = `m.org_id = $1 AND m.agent_id = $2 AND m.status = 'active' AND m.deleted_at IS NULL
    AND m.confidence >= $3 AND ($4::text[] IS NULL OR m.category = ANY($4::text[]))
    AND ($5::text[] IS NULL OR EXISTS (SELECT 1 FROM memory_tags t WHERE t.memory_id = m.id AND t.tag = ANY($5::text[])))`;
  const params = [
    scope.orgId,
    scope.agentId,
    o.minConfidence ?? 0,
    o.categories?.length ? o.categories : null,
    o.tags?.length ? o.tags : null,
  ];
  const tsquery = lexicalQuery(o.query);

  const rows = await withOrg(deps.sql, scope.orgId, async (tx) => {
    await requireAgent(tx, scope.orgId, scope.agentId);
    await applyAnnSettings(tx, "relaxed_order");
    const vector = await tx.query<{ id: string }>(
      `SELECT m.id FROM memories m WHERE ${filters} AND m.embedding IS NOT NULL
        ORDER BY m.embedding <=> $6::vector LIMIT $7`,
      [...params, q, k],
    );
    // Rank a bounded set of full-text matches: a common word can match most of a large
    // agent's memories, and ranking them all costs hundreds of milliseconds at 100k.
    const lexical = tsquery
      ? await tx.query<{ id: string }>(
          `SELECT id FROM (
             SELECT m.id, m.content_tsv FROM memories m
              WHERE ${filters} AND m.content_tsv @@ to_tsquery('english', $6) LIMIT ${LEXICAL_POOL}
           ) matched
           ORDER BY ts_rank_cd(matched.content_tsv, to_tsquery('english', $6)) DESC, matched.id LIMIT $7`,
          [...params, tsquery, k],
        )
      : { rows: [] };
    const fused = [
      ...reciprocalRankFusion([
        vector.rows.map((r) => String(r.id)),
        lexical.rows.map((r) => String(r.id)),
      ]).entries(),
    ]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, k)
      .map(([id]) => id);
    if (fused.length === 0) return [];
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT ${MEMORY_COLUMNS}, 1 - (m.embedding <=> $3::vector) AS similarity
         FROM memories m WHERE m.org_id = $1 AND m.id = ANY($2::uuid[])`,
      [scope.orgId, fused, q],
    );
    return rows;
  });

  const byId = new Map(rows.map((r) => [String(r.id), r]));
  const ranked = rankMemories(
    rows
      .filter((r) => o.minSimilarity === undefined || Number(r.similarity) > o.minSimilarity)
      .map((r) => ({
        id: String(r.id),
        category: r.category as MemoryCategory,
        relevance: Number(r.similarity),
        usefulness: Number(r.usefulness),
        confidence: Number(r.confidence),
        retrieval_count: Number(r.retrieval_count),
        created_at: toMillis(r.created_at) ?? deps.clock.now(),
      })),
    deps.clock.now(),
    weights ? { weights } : {},
  );
  return {
    hits: ranked.slice(0, limit).map((score) => ({ memory: toMemoryView(byId.get(score.id) ?? {}), score })),
    candidates: rows.length,
  };
}
