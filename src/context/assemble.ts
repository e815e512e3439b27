import { type Principal, requireAgentAccess, requireScopes } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import type { DirectiveCache } from "../directives/cache.js";
import type { Embedder } from "../embedding/ports.js";
import type { Config } from "../env.js";
import type { KeyValue } from "../kv/ports.js";
import type { Clock } from "../lib/clock.js";
import { hmacSha256Hex, randomBytes } from "../lib/crypto.js";
import { toHex } from "../lib/encoding.js";
import { AppError, isAppError } from "../lib/errors.js";
import { isUuid } from "../lib/ids.js";
import type { Logger } from "../lib/logger.js";
import type { MemoryCategory } from "../memory/categories.js";
import { DEFAULT_WEIGHTS, rankMemories, type ScoreWeights } from "../memory/scoring.js";
import { type ChatMessage, computeBudget, messagesTokens } from "./budget.js";
import { contentTokens } from "./content-tokens.js";
import { type Outcome, within } from "./deadline.js";
import { formatContext, memoryLine, sectionTags } from "./format.js";
import type { LoadGuard } from "./load-guard.js";
import { DEFAULT_MODEL_WINDOWS, modelInfo } from "./models.js";
import { type Exclusion, packMemories } from "./pack.js";
import { type Candidate, cosine, retrieveCold, retrieveDirective, retrieveHot } from "./retrieve.js";
import { countTokens, tokenizerReady, warmTokenizers } from "./tokenizer.js";
import type { UsageRecorder } from "./usage-recorder.js";

export interface AssembleInput {
  agentId: string;
  orgId: string;
  sessionId: string;
  query: string;
  model: string;
  directiveVersionId: string;
  availableTokens: number;
  recentMessages: ChatMessage[];
  options: {
    skipColdMemories: boolean;
    skipHotMemories: boolean;
    /** The request's weights: used only when the four sum to 1. */
    weights: { recency: number; relevance: number; usefulness: number; confidence: number };
    maxMemories: number;
  };
}

export interface AssembleDeps {
  sql: SqlClient;
  kv: KeyValue;
  embedder: Embedder;
  clock: Clock;
  logger: Logger;
  pepper: string;
  config: Config;
  directiveCache: DirectiveCache;
  usage: UsageRecorder;
  loadGuard: LoadGuard;
  defer(task: Promise<unknown>): void;
}

export interface MemoryUsed {
  memoryId: string;
  compositeScore: number;
  relevanceScore: number;
  recencyScore: number;
  usefulnessScore: number;
  rank: number;
  category: string;
  exclusion: Exclusion;
  similarity: number;
  confidence: number;
  tokenEstimate: number;
}

export interface AssembleOutput {
  assembledContext: string;
  tokensUsed: number;
  memoriesIncluded: number;
  memoriesUsed: MemoryUsed[];
  directiveTokens: number;
  historyTokens: number;
  memoryTokens: number;
  metrics: {
    budgetCalculationMs: number;
    directiveLoadMs: number;
    hotMemoryRetrievalMs: number;
    coldMemoryRetrievalMs: number;
    rankingMs: number;
    packingMs: number;
    formattingMs: number;
    totalMs: number;
    candidatesEvaluated: number;
  };
  scoreSchema: string;
  fallbackReason: string;
  degradationLevel: 0 | 1 | 2 | 3;
}

/** Hot-set ids read per call, and cold-search rows (context-assembly.md step 2). */
export const HOT_COUNT = 20;
export const COLD_LIMIT = 50;
const QUERY_MAX_CHARS = 2000;
// Kept back from the deadline for ranking, packing, formatting and serialisation.
const TAIL_MS = 8;

const ms = (x: number) => Math.max(0, Math.round(x));

/** Rejects malformed requests (the only failures besides auth that become RPC errors). */
function validate(principal: Principal, input: AssembleInput): void {
  const fields: { path: string; message: string }[] = [];
  if (!isUuid(input.agentId)) fields.push({ path: "agent_id", message: "must be a UUID" });
  if (input.directiveVersionId && !isUuid(input.directiveVersionId)) {
    fields.push({ path: "directive_version_id", message: "must be a UUID" });
  }
  if (input.availableTokens < 0) fields.push({ path: "available_tokens", message: "must not be negative" });
  if (input.options.maxMemories < 0)
    fields.push({ path: "options.max_memories", message: "must not be negative" });
  if (input.query.length > 100_000) fields.push({ path: "query", message: "at most 100,000 characters" });
  if (input.recentMessages.length > 1000) fields.push({ path: "recent_messages", message: "at most 1,000" });
  if (fields.length > 0)
    throw new AppError("INVALID_ARGUMENT", "invalid AssembleContext request", { fields });
  if (input.orgId && input.orgId !== principal.orgId) {
    throw new AppError("PERMISSION_DENIED", "org_id is not the token's org");
  }
  requireScopes(principal, "context:assemble");
  requireAgentAccess(principal, input.agentId);
}

/** Request weights when the four given sum to 1 (frequency then gets 0), else the defaults. */
export function effectiveWeights(w: AssembleInput["options"]["weights"]): ScoreWeights {
  const values = [w.relevance, w.recency, w.usefulness, w.confidence];
  const sum = values.reduce((a, b) => a + b, 0);
  if (values.every((x) => Number.isFinite(x) && x >= 0) && Math.abs(sum - 1) < 1e-3) {
    return { ...w, frequency: 0 };
  }
  return DEFAULT_WEIGHTS;
}

/** The per-session nonce: unguessable without the server secret, stable within a session. */
async function sessionNonce(
  pepper: string,
  orgId: string,
  agentId: string,
  sessionId: string,
): Promise<string> {
  if (!sessionId) return toHex(randomBytes(16));
  return (await hmacSha256Hex(pepper, `context-nonce:v1:${orgId}:${agentId}:${sessionId}`)).slice(0, 32);
}

/** The text cold search embeds: the query, else the last user message; at most 2,000 chars. */
function searchText(input: AssembleInput): string {
  const lastUser = [...input.recentMessages].reverse().find((m) => m.role === "user");
  return (input.query.trim() || lastUser?.content.trim() || "").slice(0, QUERY_MAX_CHARS);
}

const failure = (name: string, o: Outcome<unknown>) => (o.ok ? null : `${name}_${o.reason}`);

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

async function assemble(
  deps: AssembleDeps,
  principal: Principal,
  input: AssembleInput,
  shed: { skipCold: boolean; skipHot: boolean },
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
  const historyTokens = messagesTokens(input.recentMessages, model.encoding);
  const tBudget = performance.now();

  // Cold search is decided before the directive is known; the directive only shrinks the budget.
  const provisional = computeBudget({
    window: model.window,
    messageTokens: historyTokens,
    directiveTokens: 0,
    availableTokens: input.availableTokens,
  });
  const text = searchText(input);
  const wantHot = !input.options.skipHotMemories && !shed.skipHot;
  const wantCold =
    !input.options.skipColdMemories && !provisional.constrained && text.length > 0 && !shed.skipCold;
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

  const [directive, hot, cold] = await Promise.all([
    within(
      () => retrieveDirective({ ...deps, now }, orgId, agentId, input.directiveVersionId || undefined),
      retrievalMs,
    ),
    wantHot
      ? within(
          // Read after the embedder had a turn: a local embedder has answered by then.
          () => Promise.resolve().then(() => retrieveHot(deps, orgId, agentId, HOT_COUNT, () => queryVector)),
          retrievalMs,
        )
      : Promise.resolve(null),
    wantCold
      ? within(async () => {
          const v = await vector;
          return v ? retrieveCold(deps, orgId, agentId, v, COLD_LIMIT) : [];
        }, retrievalMs)
      : Promise.resolve(null),
  ]);
  if (!directive.ok && directive.reason === "error" && isAppError(directive.error)) {
    if (directive.error.code === "NOT_FOUND") throw directive.error;
  }

  const reasons = [
    failure("directive", directive),
    hot && failure("hot_set", hot),
    cold && failure("cold_search", cold),
  ].filter((r): r is string => Boolean(r));
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
  // Sources shed under load count as lost.
  if (shed.skipHot && !input.options.skipHotMemories && level < 2) level = 2;
  else if (shed.skipCold && !input.options.skipColdMemories && level < 1) level = 1;
  if (shed.skipCold || shed.skipHot) reasons.push("overloaded");

  const directiveText = directive.ok ? (directive.value?.content ?? null) : null;
  const directiveTokens = directiveText ? countTokens(directiveText, model.encoding) : 0;
  const budget = computeBudget({
    window: model.window,
    messageTokens: historyTokens,
    directiveTokens,
    availableTokens: input.availableTokens,
  });

  // Merge hot first, de-duplicated by id; score everything (relevance for hot ones too).
  const tRank = performance.now();
  const merged = new Map<string, Candidate>();
  if (level < 2) {
    for (const o of workingSources) for (const c of o.value) if (!merged.has(c.id)) merged.set(c.id, c);
  }
  // Hot-set memories get their relevance from the query vector, if it arrived in time.
  const q = queryVector as number[] | null;
  const candidates = [...merged.values()].map((c) =>
    c.similarity === null && q && c.embedding ? { ...c, similarity: cosine(q, c.embedding) } : c,
  );
  for (const c of candidates) merged.set(c.id, c);
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
  const lineTokens = new Map<string, number>();
  let overhead: number | undefined;
  const scoreById = new Map(ranked.map((s) => [s.id, s]));
  for (const s of ranked) {
    const c = merged.get(s.id) as Candidate;
    // The line's markup (id, confidence, score) tokenises to about the same count for
    // every memory; its content is counted once per memory and remembered.
    overhead ??= countTokens(memoryLine({ ...c, content: "", score: s.composite }), model.encoding) + 2;
    lineTokens.set(s.id, overhead + contentTokens(c.id, c.content, model.encoding, exactTokens));
  }
  const sectionCost = (category: MemoryCategory) => {
    const { open, close } = sectionTags(category, nonce);
    return countTokens(open, model.encoding) + countTokens(close, model.encoding) + 2;
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
  const assembled = level === 3 ? "" : formatContext(directiveText, included, nonce);
  const tokensUsed = countTokens(assembled, model.encoding);
  const tEnd = performance.now();

  const memoriesUsed: MemoryUsed[] = [
    ...ranked.map((s, i) => {
      const c = merged.get(s.id) as Candidate;
      return {
        memoryId: s.id,
        compositeScore: s.composite,
        relevanceScore: s.relevance,
        recencyScore: s.recency,
        usefulnessScore: s.usefulness,
        rank: i + 1,
        category: c.category,
        exclusion: packed.exclusions.get(s.id) ?? "unknown",
        similarity: c.similarity ?? 0,
        confidence: c.confidence,
        tokenEstimate: lineTokens.get(s.id) ?? 0,
      };
    }),
    // Under the relevance floor: evaluated, not ranked.
    ...candidates
      .filter((c) => !scoreById.has(c.id))
      .map((c) => ({
        memoryId: c.id,
        compositeScore: 0,
        relevanceScore: c.similarity ?? 0,
        recencyScore: 0,
        usefulnessScore: c.usefulness,
        rank: 0,
        category: c.category,
        exclusion: "filter" as const,
        similarity: c.similarity ?? 0,
        confidence: c.confidence,
        tokenEstimate: 0,
      })),
  ];
  if (!exactTokens) reasons.push("tokenizer_warming");

  const output: AssembleOutput = {
    assembledContext: assembled,
    tokensUsed,
    memoriesIncluded: included.length,
    memoriesUsed,
    directiveTokens,
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
    fallbackReason: reasons.join(","),
    degradationLevel: level,
  };
  recordAssembly(deps, orgId, input, output, packed.included);
  return output;
}

/**
 * Off the response path: buffers the retrieval-count bumps and the assembly event,
 * and writes the buffer when its interval has passed (see UsageRecorder).
 */
function recordAssembly(
  deps: AssembleDeps,
  orgId: string,
  input: AssembleInput,
  out: AssembleOutput,
  includedIds: string[],
): void {
  const m = out.metrics;
  deps.usage.add({
    orgId,
    agentId: input.agentId,
    sessionId: input.sessionId || null,
    model: input.model.slice(0, 200) || null,
    totalMs: m.totalMs,
    stageMs: {
      budget: m.budgetCalculationMs,
      directive: m.directiveLoadMs,
      hot: m.hotMemoryRetrievalMs,
      cold: m.coldMemoryRetrievalMs,
      ranking: m.rankingMs,
      packing: m.packingMs,
      formatting: m.formattingMs,
    },
    candidatesEvaluated: m.candidatesEvaluated,
    memoriesInjected: out.memoriesIncluded,
    tokensInjected: out.memoryTokens,
    directiveTokens: out.directiveTokens,
    degradationLevel: out.degradationLevel,
    fallbackReason: out.fallbackReason || null,
    at: deps.clock.now(),
    injected: includedIds,
  });
  deps.defer(deps.usage.flush(deps.sql, deps.clock.now()));
}
