import { AppError } from "../../lib/errors.js";
import type { MemoryCategory } from "../categories.js";

/** Weights of the composite score; they must sum to 1. */
export interface ScoreWeights {
  relevance: number;
  recency: number;
  usefulness: number;
  confidence: number;
  frequency: number;
}

export const DEFAULT_WEIGHTS: ScoreWeights = {
  relevance: 0.4,
  recency: 0.25,
  usefulness: 0.2,
  confidence: 0.1,
  frequency: 0.05,
};

/** Recency half-lives in days, per category (facts age slowly, episodes fast). */
export const DEFAULT_HALF_LIVES: Record<MemoryCategory, number> = {
  factual: 180,
  procedural: 120,
  preference: 45,
  behavioral: 30,
  episodic: 14,
};

export const DEFAULT_RELEVANCE_FLOOR = 0.15;

/**
 * Checks weights are finite, non-negative and sum to 1 (±1e-6).
 * @throws INVALID_ARGUMENT otherwise (configuration is checked at start-up).
 */
export function checkWeights(w: ScoreWeights): ScoreWeights {
  const values = Object.values(w);
  if (
    values.some((x) => !Number.isFinite(x) || x < 0) ||
    Math.abs(values.reduce((a, b) => a + b, 0) - 1) > 1e-6
  ) {
    throw new AppError("INVALID_ARGUMENT", "score weights must be non-negative and sum to 1");
  }
  return w;
}

export interface ScoredInput {
  id: string;
  category: MemoryCategory;
  /** Cosine similarity to the query. */
  relevance: number;
  usefulness: number;
  confidence: number;
  retrieval_count: number;
  created_at: number;
}

export interface Scored {
  id: string;
  composite: number;
  relevance: number;
  recency: number;
  usefulness: number;
  confidence: number;
  frequency: number;
}

const DAY_MS = 86_400_000;

/** exp(−ln2 · age / half-life): 1 when new, 0.5 after one half-life. */
export function recency(createdAt: number, now: number, halfLifeDays: number): number {
  const age = Math.max(0, now - createdAt) / DAY_MS;
  return Math.exp((-Math.LN2 * age) / halfLifeDays);
}

/**
 * The composite score (memory-engine.md §4): weighted relevance, recency (per-category
 * half-life), usefulness, confidence and frequency (retrievals / 50, capped at 1).
 * Candidates under the relevance floor are dropped; equal scores order by id.
 */
export function rankMemories(
  candidates: ScoredInput[],
  now: number,
  options: { weights?: ScoreWeights; halfLives?: Record<MemoryCategory, number>; floor?: number } = {},
): Scored[] {
  const w = options.weights ?? DEFAULT_WEIGHTS;
  const halfLives = options.halfLives ?? DEFAULT_HALF_LIVES;
  const floor = options.floor ?? DEFAULT_RELEVANCE_FLOOR;
  return candidates
    .filter((c) => c.relevance >= floor)
    .map((c) => {
      const r = recency(c.created_at, now, halfLives[c.category]);
      const frequency = Math.min(c.retrieval_count / 50, 1);
      const composite =
        w.relevance * c.relevance +
        w.recency * r +
        w.usefulness * c.usefulness +
        w.confidence * c.confidence +
        w.frequency * frequency;
      return {
        id: c.id,
        composite,
        relevance: c.relevance,
        recency: r,
        usefulness: c.usefulness,
        confidence: c.confidence,
        frequency,
      };
    })
    .sort((a, b) => b.composite - a.composite || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Reciprocal rank fusion of ranked id lists (k = 60): sum of 1 / (k + rank). */
export function reciprocalRankFusion(lists: string[][], k = 60): Map<string, number> {
  const fused = new Map<string, number>();
  for (const list of lists) {
    for (const [rank, id] of list.entries()) fused.set(id, (fused.get(id) ?? 0) + 1 / (k + rank + 1));
  }
  return fused;
}
