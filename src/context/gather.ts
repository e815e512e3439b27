import { type SqlClient, SqlError } from "../db/ports.js";
import type { ActiveDirective, DirectiveCache } from "../directives/cache.js";
import type { KeyValue } from "../kv/ports.js";
import { isAppError } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { type Deadline, type Outcome, startDeadline, within } from "./deadline.js";
import type { LoadGuard } from "./load-guard.js";
import {
  type Candidate,
  type HotRowsCache,
  retrieveCold,
  retrieveDirective,
  retrieveHot,
} from "./retrieve.js";

/** What the three sources need. */
export interface SourceDeps {
  sql: SqlClient;
  kv: KeyValue;
  logger: Logger;
  directiveCache: DirectiveCache;
  hotRows: HotRowsCache;
  loadGuard: LoadGuard;
}

/** Hot-set ids read per call, and cold-search rows (context-assembly.md step 2). */
export const HOT_COUNT = 20;
export const COLD_LIMIT = 50;

/** A source skipped because too many assemblies are in flight: lost like a failed one. */
const SHED: Outcome<never> = { ok: false, reason: "overloaded", ms: 0 };

/**
 * A source raced against its deadline; one the database refused because it could
 * not have started in time (SqlError 57014) counts as shed, like the load guard's.
 */
function source<T>(work: Parameters<typeof within<T>>[0], limit: Deadline): Promise<Outcome<T>> {
  return within(work, limit).then((o) =>
    !o.ok && o.reason === "error" && o.error instanceof SqlError && o.error.sqlState === "57014"
      ? { ok: false, reason: "overloaded", ms: o.ms }
      : o,
  );
}

const failure = (name: string, o: Outcome<unknown>) =>
  o.ok ? null : o.reason === "overloaded" ? "overloaded" : `${name}_${o.reason}`;

/**
 * Cold search when a slot is free and the database would take it in time (else
 * shed), raced against the deadline. Asking the database first matters under
 * overload: most searches would be refused, and a refusal after the query vector is
 * serialised and the query queued costs the HTTP thread as much as the answer.
 */
function coldSearch(
  deps: SourceDeps,
  orgId: string,
  agentId: string,
  vector: Promise<number[] | null>,
  limit: Deadline,
): Promise<Outcome<Candidate[]>> {
  if (deps.sql.admits?.({ deadline: limit.deadline }) === false) return Promise.resolve(SHED);
  // `within` does not start work whose deadline has passed, and the slot is released by the work.
  if (limit.signal.aborted) return Promise.resolve({ ok: false, reason: "timeout", ms: 0 });
  const release = deps.loadGuard.admitCold();
  if (!release) return Promise.resolve(SHED);
  return source(async (budget) => {
    let inTime: boolean | undefined;
    try {
      const v = await vector;
      const rows = v ? await retrieveCold(deps, orgId, agentId, v, COLD_LIMIT, budget) : [];
      inTime = performance.now() <= limit.deadline;
      return rows;
    } catch (err) {
      // Refused at once or failed early, it says nothing of the load; dropped from the
      // queue when the deadline passed, or failed after it, the caller waited it out.
      if (performance.now() > limit.deadline) inTime = false;
      throw err;
    } finally {
      release(inTime);
    }
  }, limit);
}

export interface Gathered {
  directive: Outcome<ActiveDirective | null>;
  hot: Outcome<Candidate[]> | null;
  cold: Outcome<Candidate[]> | null;
  /** The memory sources that answered. */
  working: Candidate[][];
  /** The ladder: 0 full, 1 a memory source lost, 2 no memory source, 3 no directive source. */
  level: 0 | 1 | 2 | 3;
  /** What was lost (`cold_search_timeout`, `overloaded`, …). */
  reasons: Set<string>;
}

/**
 * Retrieves the directive, the hot set and the cold search concurrently, each raced
 * against one shared deadline (`ms` from now), and places the answer on the
 * degradation ladder. Dependency failures are outcomes, never throws.
 * @throws NOT_FOUND when the database says the agent does not exist.
 */
export async function gatherSources(
  deps: SourceDeps,
  call: {
    orgId: string;
    agentId: string;
    directiveVersionId: string | undefined;
    now: number;
    vector: Promise<number[] | null>;
    wantHot: boolean;
    wantCold: boolean;
    skipHot: boolean;
    ms: number;
  },
): Promise<Gathered> {
  const { orgId, agentId, now } = call;
  // One deadline (timer and abort signal) for the three sources.
  const retrieval = startDeadline(call.ms);
  const [directive, hot, cold] = await Promise.all([
    source(
      (budget) => retrieveDirective({ ...deps, now }, orgId, agentId, call.directiveVersionId, budget),
      retrieval,
    ),
    !call.wantHot
      ? null
      : call.skipHot
        ? SHED
        : source((budget) => retrieveHot({ ...deps, now }, orgId, agentId, HOT_COUNT, budget), retrieval),
    !call.wantCold ? null : coldSearch(deps, orgId, agentId, call.vector, retrieval),
  ]);
  retrieval.clear();
  if (!directive.ok && directive.reason === "error" && isAppError(directive.error)) {
    if (directive.error.code === "NOT_FOUND") throw directive.error;
  }

  const reasons = new Set(
    [
      failure("directive", directive),
      hot && failure("hot_set", hot),
      cold && failure("cold_search", cold),
    ].filter((r): r is string => Boolean(r)),
  );
  for (const o of [directive, hot, cold]) {
    if (o && !o.ok && o.reason === "error") {
      deps.logger.warn("context source failed", {
        error: o.error instanceof Error ? o.error.name : "unknown",
      });
    }
  }

  // The ladder: no directive source → L3 (empty); no memory source that worked → L2; a lost source → L1.
  const memorySources = [hot, cold].filter((o): o is Outcome<Candidate[]> => o !== null);
  const working = memorySources.flatMap((o) => (o.ok ? [o.value] : []));
  let level: 0 | 1 | 2 | 3 = 0;
  if (!directive.ok) level = 3;
  else if (memorySources.length > 0 && working.length === 0) level = 2;
  else if (working.length < memorySources.length) level = 1;
  return { directive, hot, cold, working, level, reasons };
}
