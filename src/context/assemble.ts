import type { Principal } from "../auth/principal.js";
import type { Embedder } from "../embedding/ports.js";
import type { Config } from "../env.js";
import type { Clock } from "../lib/clock.js";
import type { MemoryCategory } from "../memory/categories.js";
import { rankMemories } from "../memory/search/scoring.js";
import { cosine } from "../memory/vectors.js";
import { computeBudget, messagesTokens } from "./budget.js";
import { piecesTokens, textTokens } from "./content-tokens.js";
import { type ContextPiece, contextPieces, sectionTags } from "./format.js";
import { gatherSources, type SourceDeps } from "./gather.js";
import { countedMemoryLine } from "./memory-lines.js";
import { DEFAULT_MODEL_WINDOWS, modelInfo } from "./models.js";
import { packMemories } from "./pack.js";
import { type AssembleOutput, describeCandidates, recordAssembly } from "./report.js";
import { type AssembleInput, effectiveWeights, searchText, sessionNonce, validate } from "./request.js";
import type { Candidate } from "./retrieve.js";
import { tokenizerReady, warmTokenizers } from "./tokenizer.js";
import type { UsageRecorder } from "./usage-recorder.js";

export type { AssembleOutput, MemoryUsed } from "./report.js";
export type { AssembleInput } from "./request.js";
export { effectiveWeights } from "./request.js";

export interface AssembleDeps extends SourceDeps {
  embedder: Embedder;
  clock: Clock;
  pepper: string;
  config: Config;
  usage: UsageRecorder;
  defer(task: Promise<unknown>): void;
}

// Kept back from the deadline for ranking, packing, formatting and serialisation.
const TAIL_MS = 8;

// Of what is left of a caller's deadline, the share the call may take: the rest is
// for the answer's way back to the caller, which started its clock before sending.
const CALLER_DEADLINE_SHARE = 0.9;

const ms = (x: number) => Math.max(0, Math.round(x));

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
  shed: { skipHot: boolean },
): Promise<AssembleOutput> {
  const t0 = performance.now();
  validate(principal, input);
  const deadline = Math.min(
    deps.config.CONTEXT_DEADLINE_MS,
    input.deadlineMs === undefined ? Number.POSITIVE_INFINITY : input.deadlineMs * CALLER_DEADLINE_SHARE,
  );
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

  const { directive, hot, cold, working, level, reasons } = await gatherSources(deps, {
    orgId,
    agentId,
    directiveVersionId: input.directiveVersionId || undefined,
    now,
    vector,
    wantHot: !input.options.skipHotMemories,
    wantCold,
    skipHot: shed.skipHot,
    ms: retrievalMs,
  });

  const active = directive.ok ? directive.value : null;
  const directiveText = active?.content ?? null;
  const directiveTokenCount = active ? textTokens(active.content, model.encoding, exactTokens) : 0;
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
  for (const rows of level === 3 ? [] : working) {
    for (const c of rows) {
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
  // Exact counts from remembered lines and pieces (memory-lines.ts, format.ts): a
  // memory's line but for its score, and the tags, recur across calls.
  // Each line as one counted piece: its cost when packing, reused by the formatter.
  const lines = new Map<string, ContextPiece & { kind: "counted" }>();
  const lineTokens = (id: string) => lines.get(id)?.tokens ?? 0;
  const scoreById = new Map(ranked.map((s) => [s.id, s]));
  for (const s of ranked) {
    const c = merged.get(s.id) as Candidate;
    const memory = { id: c.id, content: c.content, confidence: c.confidence, score: s.composite };
    const line = countedMemoryLine(memory, model.encoding, exactTokens);
    lines.set(s.id, { kind: "counted", ...line });
  }
  // A section's open and close lines, each with its newline (the cuts format.ts makes).
  // Asked for again for every candidate of a category not yet in, so kept per call.
  const sectionCosts = new Map<MemoryCategory, number>();
  const sectionCost = (category: MemoryCategory) => {
    let cost = sectionCosts.get(category);
    if (cost === undefined) {
      const { open, close } = sectionTags(category, nonce);
      cost =
        textTokens(`${open}\n`, model.encoding, exactTokens) +
        textTokens(`${close}\n`, model.encoding, exactTokens);
      sectionCosts.set(category, cost);
    }
    return cost;
  };
  const packed = packMemories(
    ranked.map((s) => ({
      id: s.id,
      category: (merged.get(s.id) as Candidate).category,
      tokens: lineTokens(s.id),
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
