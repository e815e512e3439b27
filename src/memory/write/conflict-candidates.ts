import type { SqlClient, SqlExecutor } from "../../db/ports.js";
import { withOrg } from "../../db/tenant.js";
import { isStopword, stem, words } from "../../embedding/text.js";
import type { MemoryCategory } from "../categories.js";
import { applyAnnSettings } from "../search/ann.js";
import { lexicalQuery } from "../search/lexical.js";
import { hasChangeMarker, type Subject, subjectOf } from "./subject-key.js";

/** An active memory of the agent that the incoming one may duplicate or contradict. */
export type Candidate = { id: string; content: string; category: string; similarity: number };

/** Why a memory is put before the judge, in priority order. */
export type CandidateReason = "subject" | "similarity" | "lexical";

/** At most this many memories are judged per write: each may be a call to an LLM judge. */
export const MAX_CONFLICT_CANDIDATES = 6;
/** Nearest neighbours read for near-duplicates and the cosine rule. */
const NEAREST = 8;
/** Newest memories mentioning the subject's anchors whose keys are compared in code. */
const SUBJECT_POOL = 50;
/** Full-text matches ranked, out of a bounded set (as search does). */
const LEXICAL_POOL = 200;
const LEXICAL_TOP = 10;

/**
 * Categories whose memories can state the same fact: "is vegetarian" may be filed as
 * a preference, a fact or a behaviour; an episode or a procedure only meets its kind.
 */
const COMPATIBLE: Record<MemoryCategory, readonly MemoryCategory[]> = {
  factual: ["factual", "preference", "behavioral"],
  preference: ["factual", "preference", "behavioral"],
  behavioral: ["factual", "preference", "behavioral"],
  episodic: ["episodic"],
  procedural: ["procedural"],
};

const compatibleWith = (category: string): readonly MemoryCategory[] =>
  COMPATIBLE[category as MemoryCategory] ?? [category as MemoryCategory];

// Words that say who or when, not what: left out of overlap and full-text queries.
const NOT_CONTENT = new Set([
  "user",
  "users",
  "now",
  "currently",
  "also",
  "longer",
  "anymore",
  "really",
  "usually",
]);
// Stopwords of Postgres' english configuration that our list does not have.
const PG_STOPWORDS = new Set(["has", "have", "own", "owns", "can", "will", "just", "don", "should", "now"]);

function contentWords(text: string): Set<string> {
  return new Set(
    words(text.replace(/['’]/g, ""))
      .filter((w) => !isStopword(w) && !NOT_CONTENT.has(w))
      .map((w) => stem(w)),
  );
}

/**
 * Shared content words over the shorter statement's: at least 0.6 with two words in
 * common, or 0.5 when the incoming statement announces a change ("now works from …").
 */
export function strongOverlap(incoming: string, existing: string): boolean {
  const a = contentWords(incoming);
  const b = contentWords(existing);
  const shared = [...a].filter((w) => b.has(w)).length;
  const overlap = shared / Math.max(1, Math.min(a.size, b.size));
  return (overlap >= 0.6 && shared >= 2) || (overlap >= 0.5 && shared >= 1 && hasChangeMarker(incoming));
}

const plainWord = (w: string) => /^[a-z0-9]+$/.test(w) && !isStopword(w) && !PG_STOPWORDS.has(w);

/** A `to_tsquery` string for a subject's anchors: an AND of OR-groups; empty when none are usable. */
export function anchorQuery(subject: Subject): string {
  const groups = subject.anchors
    .map((g) => [...new Set(g.filter(plainWord))])
    .filter((g) => g.length > 0)
    .map((g) => (g.length === 1 ? g[0] : `(${g.join(" | ")})`));
  return groups.join(" & ");
}

const vector = (v: readonly number[]) => `[${v.join(",")}]`;

type Row = { id: string; content: string; category: string; similarity: number | string | null };

const toCandidate = (r: Row): Candidate => ({
  id: String(r.id),
  content: String(r.content),
  category: String(r.category),
  similarity: Number(r.similarity ?? 0),
});

async function readRows(
  tx: SqlExecutor,
  orgId: string,
  agentId: string,
  incoming: { content: string; category: string; embedding: number[] },
  subject: Subject | null,
): Promise<{ nearest: Candidate[]; others: Candidate[] }> {
  await applyAnnSettings(tx, "strict_order");
  const live = "m.org_id = $1 AND m.agent_id = $2 AND m.status = 'active' AND m.deleted_at IS NULL";
  const similarity = "coalesce(1 - (m.embedding <=> $3::vector), 0) AS similarity";
  const q = vector(incoming.embedding);
  const nearest = await tx.query<Row>(
    `SELECT m.id, m.content, m.category, 1 - (m.embedding <=> $3::vector) AS similarity FROM memories m
      WHERE ${live} AND m.embedding IS NOT NULL
      ORDER BY m.embedding <=> $3::vector LIMIT ${NEAREST}`,
    [orgId, agentId, q],
  );
  const categories = compatibleWith(incoming.category);
  const others: Row[] = [];
  const anchors = subject ? anchorQuery(subject) : "";
  if (anchors) {
    // Same subject, any wording: the newest memories that mention its anchors (the GIN
    // index on content_tsv); their keys are compared in code.
    const { rows } = await tx.query<Row>(
      `SELECT m.id, m.content, m.category, ${similarity} FROM memories m
        WHERE ${live} AND m.category = ANY($4::text[]) AND m.content_tsv @@ to_tsquery('english', $5)
        ORDER BY m.id DESC LIMIT ${SUBJECT_POOL}`,
      [orgId, agentId, q, categories, anchors],
    );
    others.push(...rows);
  }
  const lexical = lexicalQuery(
    words(incoming.content.replace(/['’]/g, ""))
      .filter((w) => !NOT_CONTENT.has(w))
      .join(" "),
  );
  if (lexical) {
    const { rows } = await tx.query<Row>(
      `SELECT matched.id, matched.content, matched.category,
              coalesce(1 - (matched.embedding <=> $3::vector), 0) AS similarity FROM (
         SELECT m.id, m.content, m.category, m.content_tsv, m.embedding FROM memories m
          WHERE ${live} AND m.category = ANY($4::text[]) AND m.content_tsv @@ to_tsquery('english', $5)
          LIMIT ${LEXICAL_POOL}
       ) matched
       ORDER BY ts_rank_cd(matched.content_tsv, to_tsquery('english', $5)) DESC, matched.id DESC
       LIMIT ${LEXICAL_TOP}`,
      [orgId, agentId, q, categories, lexical],
    );
    others.push(...rows);
  }
  return { nearest: nearest.rows.map(toCandidate), others: others.map(toCandidate) };
}

/** What the write pipeline reads before its transaction: near neighbours and conflict candidates. */
export interface CandidateReads {
  /** The nearest active memories by cosine (near-duplicate checks use these). */
  nearest: Candidate[];
  /** What the judge is asked about, at most MAX_CONFLICT_CANDIDATES, most related first. */
  conflict: (Candidate & { reason: CandidateReason })[];
}

/**
 * Reads the memories an incoming one may contradict (ADR-0037): active memories of the
 * same agent that are about the same subject (subject-key.ts) in a compatible category,
 * or closer than `conflictSimilarity` in the same category, or sharing most content
 * words in a compatible category. Three bounded, indexed reads (HNSW, and the GIN
 * full-text index twice) in one short read-only transaction: no lock is held while a
 * judge is asked afterwards.
 */
export async function readConflictCandidates(
  sql: SqlClient,
  scope: { orgId: string; agentId: string },
  incoming: { content: string; category: string; embedding: number[] },
  conflictSimilarity: number,
  excludeId?: string,
): Promise<CandidateReads> {
  const subject = subjectOf(incoming.content);
  const { nearest, others } = await withOrg(sql, scope.orgId, (tx) =>
    readRows(tx, scope.orgId, scope.agentId, incoming, subject),
  );
  const categories = compatibleWith(incoming.category);
  const seen = new Set<string>();
  const ranked: (Candidate & { reason: CandidateReason; rank: number })[] = [];
  for (const c of [...nearest, ...others]) {
    if (c.id === excludeId || seen.has(c.id)) continue;
    seen.add(c.id);
    const compatible = categories.includes(c.category as MemoryCategory);
    let reason: CandidateReason | null = null;
    if (compatible && subject && subjectOf(c.content)?.key === subject.key) reason = "subject";
    else if (c.similarity > conflictSimilarity && c.category === incoming.category) reason = "similarity";
    else if (compatible && strongOverlap(incoming.content, c.content)) reason = "lexical";
    if (reason) ranked.push({ ...c, reason, rank: ["subject", "similarity", "lexical"].indexOf(reason) });
  }
  ranked.sort((a, b) => a.rank - b.rank || b.similarity - a.similarity || (a.id < b.id ? 1 : -1));
  return {
    nearest: nearest.filter((c) => c.id !== excludeId),
    conflict: ranked.slice(0, MAX_CONFLICT_CANDIDATES).map(({ rank: _rank, ...c }) => c),
  };
}
