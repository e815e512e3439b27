import type { SqlClient, SqlExecutor } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import type { JobRun } from "../jobs/handlers.js";
import type { JobPayload } from "../jobs/messages.js";
import { isAppError } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { type AddMemoryDeps, type AddMemoryResult, addMemory } from "../memory/write/add-memory.js";
import type { ExtractedFact, Extractor, Turn } from "./ports.js";

export interface ExtractSessionDeps extends AddMemoryDeps {
  sql: SqlClient;
  logger: Logger;
  extractor: Extractor;
}

/** Turns read per extractor call; a longer session is extracted in several passes. */
const TURNS_PER_PASS = 200;
/** Extracted facts less sure than this wait in the review queue (sessions-jobs-archives.md). */
const REVIEW_BELOW_CONFIDENCE = 0.5;
const KEY_SCOPE = "memory.extract";

/** The content-free tally a run leaves on its job. */
export interface ExtractionTally {
  turns: number;
  facts: number;
  created: number;
  duplicate: number;
  merged: number;
  flagged: number;
  rejected: number;
  /** Facts a previous, interrupted run had already written. */
  already_written: number;
  extractor: string;
  skipped?: "session_gone" | "session_active" | "agent_unavailable";
  prompt_tokens?: number;
  completion_tokens?: number;
  cost_usd?: number;
}

async function advance(tx: SqlExecutor, orgId: string, sessionId: string, seq: number): Promise<void> {
  await tx.query(
    `UPDATE sessions SET last_extracted_turn = GREATEST(last_extracted_turn, $3), updated_at = now()
      WHERE org_id = $1 AND id = $2`,
    [orgId, sessionId, seq],
  );
}

/** The key of one fact's effect: its session, turn and place among the turn's facts. */
const factKey = (sessionId: string, f: ExtractedFact, index: number) => `${sessionId}:${f.turn}:${index}`;

/**
 * The `memory.extract` job (ADR-0036): reads the session's turns after
 * `last_extracted_turn`, extracts facts, writes each through the write pipeline
 * (source `extracted`, `session_id` set) and advances the pointer in the same
 * transaction as the turn's last memory. Each fact's write also stores its key
 * (session, turn, index) in that transaction, so a run interrupted mid-turn and run
 * again skips what was written and adds the rest: a re-run adds nothing and skips
 * nothing. Only completed or abandoned sessions are read.
 * @throws retryable AppErrors (extractor or embedder down, malformed model output)
 */
export async function extractSession(
  deps: ExtractSessionDeps,
  run: JobRun,
  payload: JobPayload<"memory.extract">,
): Promise<ExtractionTally> {
  const { orgId } = run;
  const sessionId = payload.session_id;
  const agentId = payload.agent_id;
  const tally: ExtractionTally = {
    turns: 0,
    facts: 0,
    created: 0,
    duplicate: 0,
    merged: 0,
    flagged: 0,
    rejected: 0,
    already_written: 0,
    extractor: deps.extractor.name,
  };

  for (;;) {
    const pass = await withOrg(deps.sql, orgId, async (tx) => {
      const s = await tx.query<{ status: string; last_extracted_turn: number; agent_status: string | null }>(
        `SELECT s.status, s.last_extracted_turn, a.status AS agent_status FROM sessions s
           LEFT JOIN agents a ON a.org_id = s.org_id AND a.id = s.agent_id AND a.deleted_at IS NULL
          WHERE s.org_id = $1 AND s.id = $2 AND s.agent_id = $3`,
        [orgId, sessionId, agentId],
      );
      const session = s.rows[0];
      if (!session) return { skipped: "session_gone" as const };
      if (session.status === "active") return { skipped: "session_active" as const };
      if (session.agent_status === null || session.agent_status === "archived") {
        return { skipped: "agent_unavailable" as const };
      }
      const { rows } = await tx.query<Turn>(
        `SELECT seq, role, content FROM session_messages
          WHERE org_id = $1 AND session_id = $2 AND seq > $3 ORDER BY seq LIMIT $4`,
        [orgId, sessionId, Number(session.last_extracted_turn), TURNS_PER_PASS],
      );
      const done = await tx.query<{ key: string }>(
        `SELECT key FROM idempotency_keys WHERE org_id = $1 AND scope = $2 AND key LIKE $3`,
        [orgId, KEY_SCOPE, `${sessionId}:%`],
      );
      return {
        turns: rows.map((r) => ({ seq: Number(r.seq), role: r.role, content: r.content })),
        written: new Set(done.rows.map((r) => r.key)),
      };
    });
    if ("skipped" in pass) {
      if (tally.turns === 0) tally.skipped = pass.skipped;
      return tally;
    }
    if (pass.turns.length === 0) return tally;

    const { facts, usage } = await deps.extractor.extract(pass.turns);
    if (usage) {
      tally.prompt_tokens = (tally.prompt_tokens ?? 0) + usage.promptTokens;
      tally.completion_tokens = (tally.completion_tokens ?? 0) + usage.completionTokens;
      if (usage.costUsd !== undefined) tally.cost_usd = (tally.cost_usd ?? 0) + usage.costUsd;
    }
    tally.turns += pass.turns.length;
    tally.facts += facts.length;
    for (const turn of pass.turns) {
      const ofTurn = facts.filter((f) => f.turn === turn.seq);
      for (const [index, fact] of ofTurn.entries()) {
        const key = factKey(sessionId, fact, index);
        if (pass.written.has(key)) {
          tally.already_written += 1;
          continue;
        }
        const last = index === ofTurn.length - 1;
        const outcome = await writeFact(deps, run, agentId, sessionId, fact, key, last).catch(
          (err: unknown) => {
            // A fact the pipeline refuses (too long, say) is dropped; anything else is the job's failure.
            if (isAppError(err) && err.code === "INVALID_ARGUMENT") return null;
            throw err;
          },
        );
        if (outcome === null) tally.rejected += 1;
        else tally[outcome.outcome] += 1;
      }
      await withOrg(deps.sql, orgId, (tx) => advance(tx, orgId, sessionId, turn.seq));
    }
    if (pass.turns.length < TURNS_PER_PASS) return tally;
  }
}

function writeFact(
  deps: ExtractSessionDeps,
  run: JobRun,
  agentId: string,
  sessionId: string,
  fact: ExtractedFact,
  key: string,
  lastOfTurn: boolean,
): Promise<AddMemoryResult> {
  return addMemory(
    deps,
    {
      orgId: run.orgId,
      agentId,
      changedBy: "extraction",
      reviewBelowConfidence: REVIEW_BELOW_CONFIDENCE,
      inTransaction: async (tx) => {
        await tx.query(
          `INSERT INTO idempotency_keys (org_id, scope, key, request_hash, status, result, expires_at)
           VALUES ($1, $2, $3, $4, 'succeeded', NULL, now() + interval '30 days')
           ON CONFLICT (org_id, scope, key) DO NOTHING`,
          [run.orgId, KEY_SCOPE, key, run.jobId],
        );
        if (lastOfTurn) await advance(tx, run.orgId, sessionId, fact.turn);
      },
    },
    {
      content: fact.content,
      category: fact.category,
      confidence: fact.confidence,
      source: "extracted",
      sessionId,
      metadata: { extraction: { turn: fact.turn, extractor: deps.extractor.name } },
    },
  );
}
