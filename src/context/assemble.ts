import type { Principal } from "../auth/principal.js";
import { type SqlClient, SqlError } from "../db/ports.js";
import type { DirectiveCache } from "../directives/cache.js";
import type { Embedder } from "../embedding/ports.js";
import type { Config } from "../env.js";
import type { KeyValue } from "../kv/ports.js";
import type { Clock } from "../lib/clock.js";
import { isAppError } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { MemoryCategory } from "../memory/categories.js";
import { rankMemories } from "../memory/scoring.js";
import { cosine } from "../memory/vectors.js";
import { computeBudget, messagesTokens } from "./budget.js";
import { directiveTokens, piecesTokens, textTokens } from "./content-tokens.js";
import { type Deadline, type Outcome, startDeadline, within } from "./deadline.js";
import { type ContextPiece, contextPieces, memoryLinePieces, sectionTags } from "./format.js";
import type { LoadGuard } from "./load-guard.js";
import { DEFAULT_MODEL_WINDOWS, modelInfo } from "./models.js";
import { packMemories } from "./pack.js";
import { type AssembleOutput, describeCandidates, recordAssembly } from "./report.js";
import { type AssembleInput, effectiveWeights, searchText, sessionNonce, validate } from "./request.js";
import {
  type Candidate,
  type HotRowsCache,
  retrieveCold,
  retrieveDirective,
  retrieveHot,
} from "./retrieve.js";
import { tokenizerReady, warmTokenizers } from "./tokenizer.js";
import type { UsageRecorder } from "./usage-recorder.js";

export type { AssembleOutput, MemoryUsed } from "./report.js";
export type { AssembleInput } from "./request.js";
export { effectiveWeights } from "./request.js";

export interface AssembleDeps {
  sql: SqlClient;
  kv: KeyValue;
  embedder: Embedder;
  clock: Clock;
  logger: Logger;
  pepper: string;
  config: Config;
  directiveCache: DirectiveCache;
  hotRows: HotRowsCache;
  usage: UsageRecorder;
  loadGuard: LoadGuard;
  defer(task: Promise<unknown>): void;
}

/** Hot-set ids read per call, and cold-search rows (context-assembly.md step 2). */
export const HOT_COUNT = 20;
export const COLD_LIMIT = 50;
// Kept back from the deadline for ranking, packing, formatting and serialisation.
const TAIL_MS = 8;

const ms = (x: number) => Math.max(0, Math.round(x));

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
 * Assembles an agent's context (context-assembly.md): budget, concurrent retrieval
 * with deadlines, scoring, packing, formatting. Dependency failures degrade the
 * answer (L1 no cold search, L2 directive only, L3 empty) and never throw.
 * @throws INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND (agent) — input and auth only.
 */
export async function assembleContext(
  deps: AssembleDeps,
  principal: Principal,
  input: AssembleInput,
): Promise<AssembleOutput> {
  const slot = deps.loadGuard.enter();
  try {
    return await assemble(deps, principal, input, slot);
  } finally {
    slot.leave();
  }
}

/**
 * Cold search when a slot is free and the database would take it in time (else
 * shed), raced against the deadline. Asking the database first matters under
 * overload: most searches would be refused, and a refusal after the query vector is
 * serialised and the query queued costs the HTTP thread as much as the answer.
 */
function coldSearch(
  deps: AssembleDeps,
  orgId: string,
  agentId: string,
  vector: Promise<number[] | null>,
  limit: Deadline,
): Promise<Outcome<Candidate[]>> {
  if (deps.sql.admits?.({ deadline: limit.deadline }) === false) return Promise.resolve(SHED);
  const release = deps.loadGuard.admitCold();
  if (!release) return Promise.resolve(SHED);
  return source(async (budget) => {
    try {
      const v = await vector;
      return v ? await retrieveCold(deps, orgId, agentId, v, COLD_LIMIT, budget) : [];
    } finally {
      release();
    }
  }, limit);
}

async function assemble(
  deps: AssembleDeps,
  principal: Principal,
  input: AssembleInput,
  shed: { skipHot: boolean },
): Promise<AssembleOutput> {
  const t0 = performance.now();
  validate(principal, input);
  const deadline = deps.config.CONTEXT_DEADLINE_MS;
  const retrievalMs = Math.max(1, deadline - TAIL_MS);
  const { orgId } = principal;
  const { agentId } = input;
  const now = deps.clock.now();

  const model = modelInfo(input.model, { ...DEFAULT_MODEL_WINDOWS, ...deps.config.CONTEXT_MODEL_WINDOWS });
  const exactTokens = tokenizerReady(model.encoding);
  if (!exactTokens) deps.defer(warmTokenizers([model.encoding]));
  const historyTokens = messagesTokens(input.recentMessages, model.encoding, (text) =>
    textTokens(text, model.encoding, exactTokens),
  );
  const tBudget = performance.now();

  // Cold search is decided before the directive is known; the directive only shrinks the budget.
  const provisional = computeBudget({
    window: model.window,
    messageTokens: historyTokens,
    directiveTokens: 0,
    availableTokens: input.availableTokens,
  });
  const text = searchText(input);
  const wantHot = !input.options.skipHotMemories;
  const wantCold = !input.options.skipColdMemories && !provisional.constrained && text.length > 0;
  const vector: Promise<number[] | null> = text
    ? deps.embedder.embed(text).then((v) => Array.from(v))
    : Promise.resolve(null);
  let queryVector: number[] | null = null;
  vector.then(
    (v) => {
      queryVector = v;
    },
    () => undefined,
  );

  // One deadline (timer and abort signal) for the three sources.
  const retrieval = startDeadline(retrievalMs);
  const [directive, hot, cold] = await Promise.all([
    source(
      (budget) =>
        retrieveDirective({ ...deps, now }, orgId, agentId, input.directiveVersionId || undefined, budget),
      retrieval,
    ),
    !wantHot
      ? null
      : shed.skipHot
        ? SHED
        : source((budget) => retrieveHot({ ...deps, now }, orgId, agentId, HOT_COUNT, budget), retrieval),
    !wantCold ? null : coldSearch(deps, orgId, agentId, vector, retrieval),
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
  const workingSources = memorySources.filter((o) => o.ok);
  let level: 0 | 1 | 2 | 3 = 0;
  if (!directive.ok) level = 3;
  else if (memorySources.length > 0 && workingSources.length === 0) level = 2;
  else if (workingSources.length < memorySources.length) level = 1;

  const active = directive.ok ? directive.value : null;
  const directiveText = active?.content ?? null;
  const directiveTokenCount = active
    ? directiveTokens(active.versionId, active.content, model.encoding, exactTokens)
    : 0;
  const budget = computeBudget({
    window: model.window,
    messageTokens: historyTokens,
    directiveTokens: directiveTokenCount,
    availableTokens: input.availableTokens,
  });

  // Merge hot first, de-duplicated by id; score everything (relevance for hot ones too).
  const tRank = performance.now();
  // Hot-set memories get their relevance from the query vector, if it arrived in time.
  const q = queryVector as number[] | null;
  const merged = new Map<string, Candidate>();
  // At L3 the context is empty: nothing is packed, so nothing is a candidate.
  for (const o of level === 3 ? [] : workingSources) {
    for (const c of o.value) {
      if (merged.has(c.id)) continue;
      merged.set(
        c.id,
        c.similarity === null && q && c.embedding ? { ...c, similarity: cosine(q, c.embedding) } : c,
      );
    }
  }
  const candidates = [...merged.values()];
  const haveRelevance = candidates.some((c) => c.similarity !== null);
  const weights = effectiveWeights(input.options.weights);
  const ranked = rankMemories(
    candidates.map((c) => ({ ...c, relevance: c.similarity ?? 0 })),
    now,
    // Without a query vector relevance is unknown, so the floor would drop everything.
    haveRelevance ? { weights } : { weights, floor: Number.NEGATIVE_INFINITY },
  );
  const tPack = performance.now();

  const nonce = await sessionNonce(deps.pepper, orgId, agentId, input.sessionId);
  // Exact counts from remembered pieces (format.ts): a line's markup, its memory's
  // text and the tags recur across calls, so this is mostly map lookups.
  const lineTokens = new Map<string, number>();
  // Each line as one counted piece, reused by the formatter for the lines packed.
  const lines = new Map<string, ContextPiece>();
  const scoreById = new Map(ranked.map((s) => [s.id, s]));
  for (const s of ranked) {
    const c = merged.get(s.id) as Candidate;
    const pieces = memoryLinePieces({ ...c, score: s.composite });
    const tokens = piecesTokens(pieces, model.encoding, exactTokens);
    lineTokens.set(s.id, tokens);
    lines.set(s.id, { kind: "counted", text: pieces.map((p) => p.text).join(""), tokens });
  }
  const sectionCost = (category: MemoryCategory) => {
    const { open, close } = sectionTags(category, nonce);
    return piecesTokens(
      [
        { kind: "repeat", text: `${open}\n` },
        { kind: "repeat", text: `${close}\n` },
      ],
      model.encoding,
      exactTokens,
    );
  };
  const packed = packMemories(
    ranked.map((s) => ({
      id: s.id,
      category: (merged.get(s.id) as Candidate).category,
      tokens: lineTokens.get(s.id) ?? 0,
    })),
    budget.memoryTokens,
    { maxMemories: input.options.maxMemories, sectionCost },
  );
  const tFormat = performance.now();

  const included = packed.included.map((id) => {
    const c = merged.get(id) as Candidate;
    return { ...c, score: scoreById.get(id)?.composite ?? 0 };
  });
  const pieces =
    level === 3
      ? []
      : contextPieces(directiveText, included, nonce, (m) => [lines.get(m.id) as ContextPiece]);
  const assembled = pieces.map((p) => p.text).join("");
  const tokensUsed = piecesTokens(pieces, model.encoding, exactTokens);
  const tEnd = performance.now();

  const memoriesUsed = describeCandidates(candidates, ranked, packed.exclusions, lineTokens);
  if (!exactTokens) reasons.add("tokenizer_warming");

  const output: AssembleOutput = {
    assembledContext: assembled,
    tokensUsed,
    memoriesIncluded: included.length,
    memoriesUsed,
    directiveTokens: directiveTokenCount,
    historyTokens,
    memoryTokens: level === 3 ? 0 : packed.tokensUsed,
    metrics: {
      budgetCalculationMs: ms(tBudget - t0),
      directiveLoadMs: ms(directive.ms),
      hotMemoryRetrievalMs: ms(hot?.ms ?? 0),
      coldMemoryRetrievalMs: ms(cold?.ms ?? 0),
      rankingMs: ms(tPack - tRank),
      packingMs: ms(tFormat - tPack),
      formattingMs: ms(tEnd - tFormat),
      totalMs: ms(tEnd - t0),
      candidatesEvaluated: candidates.length,
    },
    scoreSchema: `composite-v1;relevance=${weights.relevance};recency=${weights.recency};usefulness=${weights.usefulness};confidence=${weights.confidence};frequency=${weights.frequency}`,
    fallbackReason: [...reasons].join(","),
    degradationLevel: level,
  };
  recordAssembly(deps, orgId, input, output, packed.included);
  return output;
}
