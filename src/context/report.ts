import type { SqlClient } from "../db/ports.js";
import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import type { Scored } from "../memory/search/scoring.js";
import type { Exclusion } from "./pack.js";
import type { AssembleInput } from "./request.js";
import type { Candidate } from "./retrieve.js";
import type { UsageRecorder } from "./usage-recorder.js";

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

/**
 * What became of every candidate: the ranked ones in rank order with their exclusion
 * (included, budget, truncated), then those under the relevance floor (`filter`).
 */
export function describeCandidates(
  candidates: readonly Candidate[],
  ranked: readonly Scored[],
  exclusions: ReadonlyMap<string, Exclusion>,
  lineTokens: (id: string) => number,
): MemoryUsed[] {
  const byId = new Map(candidates.map((c) => [c.id, c]));
  const rankedIds = new Set(ranked.map((s) => s.id));
  const describe = (c: Candidate, s: Scored | null, rank: number): MemoryUsed => ({
    memoryId: c.id,
    compositeScore: s?.composite ?? 0,
    relevanceScore: s?.relevance ?? c.similarity ?? 0,
    recencyScore: s?.recency ?? 0,
    usefulnessScore: c.usefulness,
    rank,
    category: c.category,
    exclusion: s ? (exclusions.get(c.id) ?? "unknown") : "filter",
    similarity: c.similarity ?? 0,
    confidence: c.confidence,
    tokenEstimate: s ? lineTokens(c.id) : 0,
  });
  return [
    ...ranked.map((s, i) => describe(byId.get(s.id) as Candidate, s, i + 1)),
    ...candidates.filter((c) => !rankedIds.has(c.id)).map((c) => describe(c, null, 0)),
  ];
}

/**
 * Off the response path: buffers the retrieval-count bumps and the assembly event,
 * and writes the buffer when its interval has passed (see UsageRecorder).
 */
export function recordAssembly(
  deps: {
    sql: SqlClient;
    clock: Clock;
    logger: Logger;
    usage: UsageRecorder;
    defer(task: Promise<unknown>): void;
  },
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
  deps.defer(
    deps.usage.flush(deps.sql, deps.clock.now()).then((dropped) => {
      if (dropped > 0) deps.logger.warn("usage buffer full: retrieval counts dropped", { events: dropped });
    }),
  );
}
