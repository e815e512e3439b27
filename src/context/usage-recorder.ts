import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
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

/**
 * Buffers what assemblies did and writes it in batches, at most once per `intervalMs`
 * per process or isolate: one UPDATE per org adding each memory's count, one
 * multi-row INSERT of events. Bumping counters row by row on every call rewrote
 * dozens of memory rows (and their vector-index entries) per request and was the
 * largest cost under load. Pure state plus a SqlClient passed at flush time, so it
 * is safe at module scope on Workers. A crash loses at most one interval of counts.
 */
export interface UsageRecorder {
  add(event: AssemblyEvent): void;
  /** Writes what is buffered when the interval has passed (or `force`); resolves when written. */
  flush(sql: SqlClient, now: number, force?: boolean): Promise<void>;
  pending(): number;
}

export function createUsageRecorder(intervalMs = 1000, maxBuffered = 5000): UsageRecorder {
  let events: AssemblyEvent[] = [];
  let lastFlush = 0;
  return {
    add(event) {
      if (events.length < maxBuffered) events.push(event);
    },
    pending: () => events.length,
    async flush(sql, now, force = false) {
      if (events.length === 0 || (!force && now - lastFlush < intervalMs)) return;
      lastFlush = now;
      const batch = events;
      events = [];
      const byOrg = new Map<string, AssemblyEvent[]>();
      for (const e of batch) byOrg.set(e.orgId, [...(byOrg.get(e.orgId) ?? []), e]);
      for (const [orgId, list] of byOrg) {
        const counts = new Map<string, number>();
        for (const e of list) for (const id of e.injected) counts.set(id, (counts.get(id) ?? 0) + 1);
        await withOrg(sql, orgId, async (tx) => {
          if (counts.size > 0) {
            await tx.query(
              `UPDATE memories m SET retrieval_count = m.retrieval_count + u.n, last_retrieved_at = now(),
                      last_injected_at = now()
                 FROM unnest($2::uuid[], $3::int[]) AS u(id, n)
                WHERE m.org_id = $1 AND m.id = u.id`,
              [orgId, [...counts.keys()], [...counts.values()]],
            );
          }
          await tx.query(
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
          );
        });
      }
    },
  };
}
