import type { SqlClient } from "../db/ports.js";
import { queryAsOrg } from "../db/tenant.js";
import { uuidv7 } from "../lib/ids.js";

/** One assembly, as recorded for analytics (assembly_events). */
export interface AssemblyEvent {
  orgId: string;
  agentId: string;
  sessionId: string | null;
  model: string | null;
  totalMs: number;
  stageMs: Record<string, number>;
  candidatesEvaluated: number;
  memoriesInjected: number;
  tokensInjected: number;
  directiveTokens: number;
  degradationLevel: number;
  fallbackReason: string | null;
  at: number;
  /** Memories packed into the context: their retrieval counts go up by one. */
  injected: string[];
}

/** Memory rows per counter UPDATE, and events per INSERT. */
const UPDATE_CHUNK = 50;
const INSERT_CHUNK = 100;

function addCounts(sql: SqlClient, orgId: string, ids: string[], n: number[]): Promise<unknown> {
  return queryAsOrg(
    sql,
    orgId,
    `UPDATE memories m SET retrieval_count = m.retrieval_count + u.n, last_retrieved_at = now(),
            last_injected_at = now()
       FROM unnest($2::uuid[], $3::int[]) AS u(id, n)
      WHERE m.org_id = $1 AND m.id = u.id`,
    [orgId, ids, n],
    { priority: "low" },
  );
}

function insertEvents(sql: SqlClient, orgId: string, list: AssemblyEvent[]): Promise<unknown> {
  return queryAsOrg(
    sql,
    orgId,
    `INSERT INTO assembly_events (id, org_id, agent_id, session_id, model, total_ms, stage_ms,
       candidates_evaluated, memories_injected, tokens_injected, directive_tokens, degradation_level,
       fallback_reason, created_at)
     SELECT e.id, $1, e.agent_id, e.session_id, e.model, e.total_ms, e.stage_ms, e.candidates,
            e.injected, e.tokens, e.directive, e.level, e.reason, e.at
       FROM jsonb_to_recordset($2::jsonb) AS e(id uuid, agent_id uuid, session_id text, model text,
            total_ms real, stage_ms jsonb, candidates int, injected int, tokens int, directive int,
            level smallint, reason text, at timestamptz)`,
    [
      orgId,
      JSON.stringify(
        list.map((e) => ({
          id: uuidv7(e.at),
          agent_id: e.agentId,
          session_id: e.sessionId,
          model: e.model,
          total_ms: e.totalMs,
          stage_ms: e.stageMs,
          candidates: e.candidatesEvaluated,
          injected: e.memoriesInjected,
          tokens: e.tokensInjected,
          directive: e.directiveTokens,
          level: e.degradationLevel,
          reason: e.fallbackReason,
          at: new Date(e.at).toISOString(),
        })),
      ),
    ],
    { priority: "low" },
  );
}

/**
 * Buffers what assemblies did and writes it in batches, at most once per `intervalMs`
 * per process or isolate, and never two at once: UPDATEs adding each memory's count
 * and multi-row INSERTs of events, in short transactions (at most 50 memory rows or
 * 100 events each). Bumping counters row by row on every call rewrote
 * dozens of memory rows (and their vector-index entries) per request and was the
 * largest cost under load. Pure state plus a SqlClient passed at flush time, so it
 * is safe at module scope on Workers. A crash loses at most one interval of counts.
 */
export interface UsageRecorder {
  add(event: AssemblyEvent): void;
  /**
   * Writes what is buffered when the interval has passed (or `force`); resolves when
   * written, with how many events were dropped since the last write because the
   * buffer was full (the database could not keep up).
   */
  flush(sql: SqlClient, now: number, force?: boolean): Promise<number>;
  pending(): number;
}

export function createUsageRecorder(intervalMs = 1000, maxBuffered = 5000): UsageRecorder {
  let events: AssemblyEvent[] = [];
  let lastFlush = 0;
  let running: Promise<void> | null = null;
  let dropped = 0;
  return {
    add(event) {
      if (events.length < maxBuffered) events.push(event);
      else dropped++;
    },
    pending: () => events.length,
    async flush(sql, now, force = false) {
      if (running) {
        if (!force) return 0;
        await running.catch(() => undefined);
      }
      if (events.length === 0 || (!force && now - lastFlush < intervalMs)) return 0;
      const lost = dropped;
      dropped = 0;
      running = write(sql, now);
      try {
        await running;
      } finally {
        running = null;
      }
      return lost;
    },
  };

  async function write(sql: SqlClient, now: number): Promise<void> {
    lastFlush = now;
    const batch = events;
    events = [];
    const byOrg = new Map<string, AssemblyEvent[]>();
    for (const e of batch) byOrg.set(e.orgId, [...(byOrg.get(e.orgId) ?? []), e]);
    for (const [orgId, list] of byOrg) {
      const counts = new Map<string, number>();
      for (const e of list) for (const id of e.injected) counts.set(id, (counts.get(id) ?? 0) + 1);
      // Small transactions: on a single-session database each one holds up the
      // context reads queued behind it, so none may take long. Ids are sorted so
      // concurrent flushers on a server lock rows in the same order.
      const ids = [...counts.keys()].sort();
      for (let i = 0; i < ids.length; i += UPDATE_CHUNK) {
        const chunk = ids.slice(i, i + UPDATE_CHUNK);
        const n = chunk.map((id) => counts.get(id) ?? 0);
        await addCounts(sql, orgId, chunk, n);
      }
      for (let i = 0; i < list.length; i += INSERT_CHUNK) {
        const chunk = list.slice(i, i + INSERT_CHUNK);
        await insertEvents(sql, orgId, chunk);
      }
    }
  }
}
