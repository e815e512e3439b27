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
const UPDATE_CHUNK = 25;
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

export interface UsageRecorderOptions {
  /** Events are written at most this often (ms). */
  eventsIntervalMs?: number;
  /**
   * Retrieval counts are summed in memory and written at most this often (ms). Each
   * write rewrites one memory row per distinct memory, so a longer window turns the
   * repeats of the hot set and of popular memories into one row write each.
   */
  countsIntervalMs?: number;
  /** Events held before new ones are dropped (and reported). */
  maxEvents?: number;
  /** Distinct memories with pending counts before new counts are dropped (and reported). */
  maxCounted?: number;
}

/**
 * Buffers what assemblies did and writes it in batches, never two batches at once:
 * multi-row INSERTs of events (at most `eventsIntervalMs` apart) and UPDATEs adding
 * each memory's summed count (at most `countsIntervalMs` apart), in short
 * transactions (25 memory rows or 100 events) at low priority, so on a single-session
 * database serving context goes first. Bumping counters row by row on every call
 * rewrote dozens of memory rows per request and was the largest cost under load.
 * Pure state plus a SqlClient passed at flush time, so it is safe at module scope on
 * Workers. A crash loses at most one window of counts and one of events; when the
 * database cannot keep up, what overflows the buffers is dropped and counted.
 */
export interface UsageRecorder {
  add(event: AssemblyEvent): void;
  /**
   * Writes what is due (everything with `force`); resolves when written, with how
   * many events and counts were dropped since the last write because the buffers
   * were full.
   */
  flush(sql: SqlClient, now: number, force?: boolean): Promise<number>;
  pending(): number;
}

export function createUsageRecorder(options: UsageRecorderOptions = {}): UsageRecorder {
  const {
    eventsIntervalMs = 1000,
    countsIntervalMs = 1000,
    maxEvents = 5000,
    maxCounted = 200_000,
  } = options;
  let events: AssemblyEvent[] = [];
  /** org → memory → injections not yet written. */
  let counts = new Map<string, Map<string, number>>();
  let counted = 0;
  let lastEvents = 0;
  let lastCounts = 0;
  let running: Promise<void> | null = null;
  let dropped = 0;
  return {
    add(event) {
      if (events.length < maxEvents) events.push(event);
      else dropped++;
      let org = counts.get(event.orgId);
      if (!org) {
        org = new Map();
        counts.set(event.orgId, org);
      }
      for (const id of event.injected) {
        const n = org.get(id);
        if (n !== undefined) org.set(id, n + 1);
        else if (counted < maxCounted) {
          org.set(id, 1);
          counted++;
        } else dropped++;
      }
    },
    pending: () => events.length + counted,
    async flush(sql, now, force = false) {
      if (running) {
        if (!force) return 0;
        await running.catch(() => undefined);
      }
      const eventsDue = events.length > 0 && (force || now - lastEvents >= eventsIntervalMs);
      const countsDue = counted > 0 && (force || now - lastCounts >= countsIntervalMs);
      if (!eventsDue && !countsDue) return 0;
      const lost = dropped;
      dropped = 0;
      let batch: AssemblyEvent[] = [];
      if (eventsDue) {
        lastEvents = now;
        batch = events;
        events = [];
      }
      let sums = new Map<string, Map<string, number>>();
      if (countsDue) {
        lastCounts = now;
        sums = counts;
        counts = new Map();
        counted = 0;
      }
      running = write(sql, batch, sums);
      try {
        await running;
      } finally {
        running = null;
      }
      return lost;
    },
  };
}

async function write(
  sql: SqlClient,
  events: AssemblyEvent[],
  counts: Map<string, Map<string, number>>,
): Promise<void> {
  const byOrg = new Map<string, AssemblyEvent[]>();
  for (const e of events) {
    const list = byOrg.get(e.orgId);
    if (list) list.push(e);
    else byOrg.set(e.orgId, [e]);
  }
  for (const [orgId, list] of byOrg) {
    for (let i = 0; i < list.length; i += INSERT_CHUNK) {
      await insertEvents(sql, orgId, list.slice(i, i + INSERT_CHUNK));
    }
  }
  for (const [orgId, sums] of counts) {
    // Ids sorted: concurrent flushers on a server lock rows in the same order.
    const ids = [...sums.keys()].sort();
    for (let i = 0; i < ids.length; i += UPDATE_CHUNK) {
      const chunk = ids.slice(i, i + UPDATE_CHUNK);
      await addCounts(
        sql,
        orgId,
        chunk,
        chunk.map((id) => sums.get(id) ?? 0),
      );
    }
  }
}
