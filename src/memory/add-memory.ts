import type { SqlClient, SqlExecutor } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import type { Embedder } from "../embedding/ports.js";
import type { KeyValue } from "../kv/ports.js";
import { AppError, notFound } from "../lib/errors.js";
import { uuidv7 } from "../lib/ids.js";
import type { Logger } from "../lib/logger.js";
import type { MemoryEngineConfig } from "./config.js";
import type { ConflictJudge, ConflictVerdict } from "./conflict.js";
import { type ChangedBy, link, writeVersion } from "./history.js";
import { addToHotSet, removeFromHotSet } from "./hot-set.js";
import { injectionRisk } from "./injection.js";
import { MEMORY_COLUMNS, type MemoryView, toMemoryView } from "./model.js";
import { contentHash } from "./normalize.js";
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

type Candidate = { id: string; content: string; category: string; similarity: number };
type Judged = Candidate & { verdict: ConflictVerdict };

const vectorLiteral = (v: readonly number[]) => `[${v.join(",")}]`;

async function nearest(
  sql: SqlClient,
  orgId: string,
  agentId: string,
  embedding: number[],
): Promise<Candidate[]> {
  return withOrg(sql, orgId, async (tx) => {
    await tx.query("SELECT set_config('hnsw.iterative_scan', 'strict_order', true)");
    const { rows } = await tx.query<Candidate>(
      `SELECT id, content, category, 1 - (embedding <=> $3::vector) AS similarity FROM memories
        WHERE org_id = $1 AND agent_id = $2 AND status = 'active' AND deleted_at IS NULL AND embedding IS NOT NULL
        ORDER BY embedding <=> $3::vector LIMIT 8`,
      [orgId, agentId, vectorLiteral(embedding)],
    );
    return rows.map((r) => ({ ...r, id: String(r.id), similarity: Number(r.similarity) }));
  });
}

async function judgeAll(deps: AddMemoryDeps, candidates: Candidate[], content: string, category: string) {
  const judged: Judged[] = [];
  for (const c of candidates) {
    let verdict: ConflictVerdict;
    try {
      verdict = await deps.judge.judge(
        { content: c.content, category: c.category as never },
        { content, category: category as never },
      );
    } catch (err) {
      // Without a verdict an operator decides: never silently supersede or ignore.
      deps.logger.warn("conflict judge unavailable", { error: err instanceof Error ? err.name : "unknown" });
      verdict = { contradicts: true, confidence: 0, reason: "judge_unavailable" };
    }
    judged.push({ ...c, verdict });
  }
  return judged;
}

async function stillActive(tx: SqlExecutor, orgId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await tx.query<{ id: string }>(
    "SELECT id FROM memories WHERE org_id = $1 AND id = ANY($2::uuid[]) AND status = 'active' AND deleted_at IS NULL FOR UPDATE",
    [orgId, ids],
  );
  return new Set(rows.map((r) => String(r.id)));
}

async function readMemory(tx: SqlExecutor, orgId: string, id: string): Promise<MemoryView> {
  const { rows } = await tx.query<Record<string, unknown>>(
    `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE m.org_id = $1 AND m.id = $2`,
    [orgId, id],
  );
  if (!rows[0]) throw notFound("memory");
  return toMemoryView(rows[0]);
}

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
  scope: { orgId: string; agentId: string; changedBy: ChangedBy },
  input: MemoryInput,
): Promise<AddMemoryResult> {
  const { orgId, agentId } = scope;
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
    const near = await nearest(deps.sql, orgId, agentId, embedding);
    // Near-duplicates are judged too: "likes X" and "no longer likes X" can be closer
    // than any paraphrase, and a contradiction must supersede, not merge.
    const conflictCandidates = near
      .filter((c) => c.similarity > deps.config.conflict && c.category === checked.category)
      .slice(0, 3);
    judged = await judgeAll(deps, conflictCandidates, content, checked.category);
    const contradicting = new Set(judged.filter((j) => j.verdict.contradicts).map((j) => j.id));
    nearDuplicates = near
      .filter((c) => c.similarity > deps.config.nearDuplicate && !contradicting.has(c.id))
      .slice(0, 3);
  }

  const result = await withOrg(deps.sql, orgId, async (tx): Promise<AddMemoryResult> => {
    const agent = await tx.query<{ status: string }>(
      "SELECT status FROM agents WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL",
      [orgId, agentId],
    );
    if (!agent.rows[0]) throw notFound("agent");
    if (agent.rows[0].status === "archived")
      throw new AppError("FAILED_PRECONDITION", "the agent is archived");
    // Serialises concurrent writers of the same content for this agent.
    await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`${agentId}:${hash}`]);

    const existing = await tx.query<{ id: string }>(
      `SELECT id FROM memories WHERE org_id = $1 AND agent_id = $2 AND content_hash = $3 AND deleted_at IS NULL
          AND status IN ('active', 'pending_review', 'quarantined') ORDER BY id LIMIT 1`,
      [orgId, agentId, hash],
    );
    if (existing.rows[0]) {
      const id = String(existing.rows[0].id);
      await tx.query(
        "UPDATE memories SET retrieval_count = retrieval_count + 1, last_retrieved_at = now() WHERE org_id = $1 AND id = $2",
        [orgId, id],
      );
      return { outcome: "duplicate", memory: await readMemory(tx, orgId, id) };
    }

    const live = await stillActive(
      tx,
      orgId,
      [...nearDuplicates, ...judged].map((c) => c.id),
    );
    const merges = nearDuplicates.filter((c) => live.has(c.id)).map((c) => c.id);
    const contradictions = judged.filter((j) => live.has(j.id) && j.verdict.contradicts);
    const supersede = merges.length
      ? []
      : contradictions.filter((j) => j.verdict.confidence > deps.config.supersedeConfidence);
    const review = merges.length || supersede.length ? [] : contradictions;
    const status = quarantined ? "quarantined" : review.length ? "pending_review" : "active";

    const id = uuidv7();
    await tx.query(
      `INSERT INTO memories (id, org_id, agent_id, session_id, content, content_hash, embedding, embedding_model,
                             category, source, status, confidence, pii_redacted, injection_risk, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7::vector, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [
        id,
        orgId,
        agentId,
        checked.sessionId,
        content,
        hash,
        vectorLiteral(embedding),
        deps.embedder.model,
        checked.category,
        checked.source,
        status,
        checked.confidence,
        JSON.stringify(redaction.counts),
        risk,
        JSON.stringify(checked.metadata),
      ],
    );
    if (checked.tags.length) {
      await tx.query(
        "INSERT INTO memory_tags (memory_id, org_id, tag) SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING",
        [id, orgId, checked.tags],
      );
    }
    await writeVersion(tx, orgId, id, "create", scope.changedBy, quarantined ? "quarantined" : null);

    for (const old of merges) {
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
      await writeVersion(tx, orgId, old, "merge", scope.changedBy, "near_duplicate");
    }
    for (const old of supersede) {
      await tx.query(
        `UPDATE memories SET status = 'superseded', superseded_by = $3, valid_until = now(), updated_at = now()
          WHERE org_id = $1 AND id = $2`,
        [orgId, old.id, id],
      );
      await link(tx, orgId, id, old.id, "contradicts", old.verdict.confidence);
      await link(tx, orgId, id, old.id, "supersedes", old.verdict.confidence);
      await writeVersion(tx, orgId, old.id, "supersede", "conflict_resolution", old.verdict.reason);
    }
    for (const old of review) await link(tx, orgId, id, old.id, "contradicts", old.verdict.confidence);

    const delta = (status === "active" ? 1 : 0) - merges.length - supersede.length;
    if (delta !== 0) {
      await tx.query(
        "UPDATE agents SET total_memories = greatest(total_memories + $3, 0) WHERE org_id = $1 AND id = $2",
        [orgId, agentId, delta],
      );
    }
    const memory = await readMemory(tx, orgId, id);
    if (quarantined) return { outcome: "flagged", memory, reason: "quarantined", conflictsWith: [] };
    if (review.length)
      return { outcome: "flagged", memory, reason: "pending_review", conflictsWith: review.map((r) => r.id) };
    if (merges.length)
      return { outcome: "merged", memory, merged: merges, superseded: supersede.map((x) => x.id) };
    return { outcome: "created", memory, superseded: supersede.map((s) => s.id) };
  });

  // Step 9, after commit and best effort: a cache failure never fails the write.
  try {
    const gone =
      result.outcome === "merged" ? result.merged : result.outcome === "created" ? result.superseded : [];
    await removeFromHotSet(deps.kv, orgId, agentId, gone);
    if (result.memory.status === "active")
      await addToHotSet(deps.kv, deps.config, orgId, agentId, [result.memory]);
  } catch (err) {
    deps.logger.warn("hot set update failed", { error: err instanceof Error ? err.name : "unknown" });
  }
  return result;
}
