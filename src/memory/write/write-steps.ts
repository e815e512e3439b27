import type { SqlClient, SqlExecutor } from "../../db/ports.js";
import type { Embedder } from "../../embedding/ports.js";
import type { KeyValue } from "../../kv/ports.js";
import { AppError, notFound } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import type { MemoryCategory } from "../categories.js";
import type { MemoryEngineConfig } from "../config.js";
import { type ChangedBy, link, writeVersion } from "../history.js";
import { addToHotSet, removeFromHotSet } from "../hot-set.js";
import { MEMORY_COLUMNS, type MemoryView, toMemoryView } from "../model.js";
import { contentHash } from "../normalize.js";
import type { ConflictJudge, ConflictVerdict } from "./conflict.js";
import { type Candidate, readConflictCandidates } from "./conflict-candidates.js";
import { injectionRisk } from "./injection.js";
import { redactPii } from "./pii.js";
import { MAX_CONTENT_CHARS, type MemoryInput, validateMemoryInput } from "./validate-memory.js";

export interface AddMemoryDeps {
  sql: SqlClient;
  embedder: Embedder;
  judge: ConflictJudge;
  kv: KeyValue;
  logger: Logger;
  config: MemoryEngineConfig;
}

export type { Candidate } from "./conflict-candidates.js";
export type Judged = Candidate & { verdict: ConflictVerdict };

export const vectorLiteral = (v: readonly number[]) => `[${v.join(",")}]`;

/** Asks the judge about each candidate, concurrently (the candidates are few and bounded). */
async function judgeAll(
  deps: AddMemoryDeps,
  candidates: Candidate[],
  content: string,
  category: string,
): Promise<Judged[]> {
  return Promise.all(
    candidates.map(async (c): Promise<Judged> => {
      let verdict: ConflictVerdict;
      try {
        verdict = await deps.judge.judge(
          { content: c.content, category: c.category as MemoryCategory },
          { content, category: category as MemoryCategory },
        );
      } catch (err) {
        // Without a verdict an operator decides: never silently supersede or ignore.
        deps.logger.warn("conflict judge unavailable", {
          error: err instanceof Error ? err.name : "unknown",
        });
        verdict = { contradicts: true, confidence: 0, reason: "judge_unavailable" };
      }
      return { id: c.id, content: c.content, category: c.category, similarity: c.similarity, verdict };
    }),
  );
}

async function stillActive(tx: SqlExecutor, orgId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await tx.query<{ id: string }>(
    "SELECT id FROM memories WHERE org_id = $1 AND id = ANY($2::uuid[]) AND status = 'active' AND deleted_at IS NULL FOR UPDATE",
    [orgId, ids],
  );
  return new Set(rows.map((r) => String(r.id)));
}

export async function readMemory(tx: SqlExecutor, orgId: string, id: string): Promise<MemoryView> {
  const { rows } = await tx.query<Record<string, unknown>>(
    `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.org_id = $1 AND m.id = $2`,
    [orgId, id],
  );
  if (!rows[0]) throw notFound("memory");
  return toMemoryView(rows[0]);
}

/** What the pipeline computed before its transaction (steps 1–3, 5, and the reads of 6–7). */
export interface PreparedWrite {
  content: string;
  category: string;
  confidence: number;
  source: string;
  sessionId: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  redacted: Record<string, number>;
  risk: number;
  quarantined: boolean;
  hash: string;
  embedding: number[];
  nearDuplicates: Candidate[];
  judged: Judged[];
}

/**
 * Steps 1–3 and 5 of the pipeline, plus the candidate reads and judge calls of steps
 * 6–7: everything that needs no lock, done before the transaction. `excludeId` leaves
 * a memory being edited out of its own candidates.
 */
export async function prepareWrite(
  deps: AddMemoryDeps,
  scope: { orgId: string; agentId: string },
  input: MemoryInput,
  excludeId?: string,
): Promise<PreparedWrite> {
  const checked = validateMemoryInput(input);
  const redaction = redactPii(checked.content);
  const content = redaction.text;
  if (content.length > MAX_CONTENT_CHARS) {
    throw new AppError("INVALID_ARGUMENT", "content is too long once redacted", {
      fields: [{ path: "content", message: `at most ${MAX_CONTENT_CHARS} characters after redaction` }],
    });
  }
  const risk = injectionRisk(content);
  const quarantined = risk > deps.config.injectionThreshold;
  const hash = await contentHash(content);
  const embedding = await deps.embedder.embed(content);
  let nearDuplicates: Candidate[] = [];
  let judged: Judged[] = [];
  if (!quarantined) {
    // Candidates by subject, cosine and shared words (ADR-0037), read in one short
    // transaction; the judge is asked after it, so no lock is held across its calls.
    // Near-duplicates are judged too: "likes X" and "no longer likes X" can be closer
    // than any paraphrase, and a contradiction must supersede, not merge.
    const reads = await readConflictCandidates(
      deps.sql,
      scope,
      { content, category: checked.category, embedding },
      deps.config.conflict,
      excludeId,
    );
    judged = await judgeAll(deps, reads.conflict, content, checked.category);
    const contradicting = new Set(judged.filter((j) => j.verdict.contradicts).map((j) => j.id));
    nearDuplicates = reads.nearest
      .filter((c) => c.similarity > deps.config.nearDuplicate && !contradicting.has(c.id))
      .slice(0, 3);
  }
  return {
    content,
    category: checked.category,
    confidence: checked.confidence,
    source: checked.source,
    sessionId: checked.sessionId,
    tags: checked.tags,
    metadata: checked.metadata,
    redacted: redaction.counts as Record<string, number>,
    risk,
    quarantined,
    hash,
    embedding,
    nearDuplicates,
    judged,
  };
}

/** How a write relates to the agent's other memories, decided inside the transaction. */
export interface Resolution {
  status: "active" | "pending_review" | "quarantined";
  merges: string[];
  supersede: Judged[];
  review: Judged[];
}

/** Re-checks the candidates under lock and decides merges, supersessions and review. */
export async function resolveCandidates(
  tx: SqlExecutor,
  orgId: string,
  w: PreparedWrite,
  config: MemoryEngineConfig,
): Promise<Resolution> {
  const live = await stillActive(
    tx,
    orgId,
    [...w.nearDuplicates, ...w.judged].map((c) => c.id),
  );
  const contradictions = w.judged.filter((j) => live.has(j.id) && j.verdict.contradicts);
  const supersede = contradictions.filter((j) => j.verdict.confidence > config.supersedeConfidence);
  // An uncertain contradiction puts the memory up for review and changes nothing else.
  const review = supersede.length ? [] : contradictions;
  const merges = review.length ? [] : w.nearDuplicates.filter((c) => live.has(c.id)).map((c) => c.id);
  const status = w.quarantined ? "quarantined" : review.length ? "pending_review" : "active";
  return { status, merges, supersede, review };
}

/** Applies a resolution around memory `id`: merges, supersessions and review links, with versions. */
export async function applyResolution(
  tx: SqlExecutor,
  orgId: string,
  id: string,
  r: Resolution,
  changedBy: ChangedBy,
): Promise<void> {
  for (const old of r.merges) {
    await tx.query(
      `UPDATE memories SET status = 'merged', merged_into = $3, valid_until = now(), updated_at = now()
        WHERE org_id = $1 AND id = $2`,
      [orgId, old, id],
    );
    // The surviving memory keeps the tags of what it absorbed.
    await tx.query(
      `INSERT INTO memory_tags (memory_id, org_id, tag) SELECT $1, org_id, tag FROM memory_tags WHERE memory_id = $2
       ON CONFLICT DO NOTHING`,
      [id, old],
    );
    await link(tx, orgId, id, old, "merged_from");
    await writeVersion(tx, orgId, old, "merge", changedBy, "near_duplicate");
  }
  for (const old of r.supersede) {
    await tx.query(
      `UPDATE memories SET status = 'superseded', superseded_by = $3, valid_until = now(), updated_at = now()
        WHERE org_id = $1 AND id = $2`,
      [orgId, old.id, id],
    );
    await link(tx, orgId, id, old.id, "contradicts", old.verdict.confidence);
    await link(tx, orgId, id, old.id, "supersedes", old.verdict.confidence);
    await writeVersion(tx, orgId, old.id, "supersede", "conflict_resolution", old.verdict.reason);
  }
  for (const old of r.review) await link(tx, orgId, id, old.id, "contradicts", old.verdict.confidence);
}

/** Step 9: the hot set after commit, best effort. */
export async function refreshHotSet(
  deps: AddMemoryDeps,
  orgId: string,
  agentId: string,
  memory: MemoryView,
  gone: string[],
) {
  try {
    await removeFromHotSet(deps.kv, orgId, agentId, gone);
    if (memory.status === "active") await addToHotSet(deps.kv, deps.config, orgId, agentId, [memory]);
  } catch (err) {
    deps.logger.warn("hot set update failed", { error: err instanceof Error ? err.name : "unknown" });
  }
}
