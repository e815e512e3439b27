import type { SqlClient, TransactionOptions } from "../db/ports.js";
import { queryAsOrg, withOrg } from "../db/tenant.js";
import type { ActiveDirective, DirectiveCache } from "../directives/cache.js";
import { loadDirective } from "../directives/load-directive.js";
import type { KeyValue } from "../kv/ports.js";
import { toMillis } from "../lib/clock.js";
import { notFound } from "../lib/errors.js";
import { createTtlCache, type TtlCache } from "../lib/ttl-cache.js";
import type { MemoryCategory } from "../memory/categories.js";
import { readHotSet } from "../memory/hot-set.js";
import { annSettingPairs } from "../memory/search/ann.js";

/** A memory as the assembler needs it. */
export interface Candidate {
  id: string;
  content: string;
  category: MemoryCategory;
  confidence: number;
  usefulness: number;
  retrieval_count: number;
  created_at: number;
  /** Cosine similarity to the query; null when there is no query vector. */
  similarity: number | null;
  source: "hot" | "cold";
  /** Hot-set rows carry their vector so relevance can be computed once the query's is known. */
  embedding?: number[];
}

const FIELDS = "m.id, m.content, m.category, m.confidence, m.usefulness, m.retrieval_count, m.created_at";

function toCandidate(
  r: Record<string, unknown>,
  source: "hot" | "cold",
  similarity: number | null,
): Candidate {
  return {
    id: String(r.id),
    content: String(r.content),
    category: r.category as MemoryCategory,
    confidence: Number(r.confidence),
    usefulness: Number(r.usefulness),
    retrieval_count: Number(r.retrieval_count),
    created_at: toMillis(r.created_at) ?? 0,
    similarity,
    source,
  };
}

/**
 * The directive to inject: a pinned version, else the active one through the cache.
 * Also proves the agent exists in the org.
 * @throws NOT_FOUND when the agent does not exist (the database answered).
 */
export async function retrieveDirective(
  deps: { sql: SqlClient; directiveCache: DirectiveCache; now: number },
  orgId: string,
  agentId: string,
  versionId: string | undefined,
  budget?: TransactionOptions,
): Promise<ActiveDirective | null> {
  // A pinned version bypasses the cache; the active one is read once per TTL.
  const read = () =>
    withOrg(
      deps.sql,
      orgId,
      async (tx) => {
        const agent = await tx.query(
          "SELECT 1 FROM agents WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL",
          [orgId, agentId],
        );
        if (agent.rows.length === 0) throw notFound("agent");
        return loadDirective(tx, orgId, agentId, versionId);
      },
      { ...budget, priority: "high" },
    );
  return versionId ? read() : deps.directiveCache.load(orgId, agentId, deps.now, read);
}

/** Hydrated hot-set rows per process, keyed by org, agent and the exact ids read. */
export type HotRowsCache = TtlCache<Candidate[]>;

/** How long hydrated hot-set rows are reused (a memory edit shows after at most this). */
export const HOT_ROWS_TTL_MS = 1000;

/** `coalesce` on a long-lived process (Node): calls that miss together share one read. */
export const createHotRowsCache = (options: { coalesce?: boolean } = {}): HotRowsCache =>
  createTtlCache<Candidate[]>(HOT_ROWS_TTL_MS, 10_000, options);

/**
 * The hot set's top ids, hydrated from Postgres (active rows of this agent only, so
 * stale ids drop out) with their vectors: relevance is computed by the caller once
 * the query's vector is known, so the hot set never waits for the embedder. The rows
 * are reused for up to a second while the set's ids stay the same — every call reads
 * the hot set, and under load those reads would crowd out the searches. A memory
 * removed from the set (deleted, superseded, merged) changes the ids, so it is never
 * served from here after its removal; an edit shows within the second.
 */
export async function retrieveHot(
  deps: { sql: SqlClient; kv: KeyValue; hotRows: HotRowsCache; now: number },
  orgId: string,
  agentId: string,
  count: number,
  budget?: TransactionOptions,
): Promise<Candidate[]> {
  const ids = await readHotSet(deps.kv, orgId, agentId, count);
  if (ids.length === 0) return [];
  const key = `${orgId}:${agentId}:${ids.join(",")}`;
  // Ahead of the cold searches (high priority): it is a short read by primary key,
  // made once a second per agent (the rows are reused in between), and in the cold
  // searches' lane it would be refused whenever they run slow — which left every
  // answer without its hot set under load. A shared read keeps the first caller's
  // deadline but not its signal: the callers that joined still want it.
  const read = async () => {
    const { rows } = await queryAsOrg<Record<string, unknown>>(
      deps.sql,
      orgId,
      `SELECT ${FIELDS}, m.embedding::text AS embedding
         FROM memories m
        WHERE m.org_id = $1 AND m.agent_id = $2 AND m.id = ANY($3::uuid[])
          AND m.status = 'active' AND m.deleted_at IS NULL AND m.embedding IS NOT NULL`,
      [orgId, agentId, ids],
      { deadline: budget?.deadline, priority: "high" },
    );
    const order = new Map(ids.map((id, i) => [id, i]));
    return rows
      .map((r) => ({
        ...toCandidate(r, "hot", null),
        embedding: JSON.parse(String(r.embedding)) as number[],
      }))
      .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  };
  return deps.hotRows.load(key, deps.now, read);
}

/** Cold search: cosine ANN over the agent's active memories (ADR-0035 settings). */
export async function retrieveCold(
  deps: { sql: SqlClient },
  orgId: string,
  agentId: string,
  vector: number[],
  limit: number,
  budget?: TransactionOptions,
): Promise<Candidate[]> {
  const { rows } = await queryAsOrg<Record<string, unknown>>(
    deps.sql,
    orgId,
    `SELECT ${FIELDS}, 1 - (m.embedding <=> $3::vector) AS similarity FROM memories m
      WHERE m.org_id = $1 AND m.agent_id = $2 AND m.status = 'active' AND m.deleted_at IS NULL
        AND m.embedding IS NOT NULL
      ORDER BY m.embedding <=> $3::vector LIMIT $4`,
    [orgId, agentId, `[${vector.join(",")}]`, limit],
    { ...budget, settings: annSettingPairs("relaxed_order") },
  );
  return rows.map((r) => toCandidate(r, "cold", Number(r.similarity)));
}
