import type { MemoryCategory } from "../memory/categories.js";

export interface PackCandidate {
  id: string;
  category: MemoryCategory;
  /** Tokens of the memory's line in the context. */
  tokens: number;
}

export type Exclusion = "included" | "budget" | "filter" | "truncated" | "failed" | "unknown";

export interface PackResult {
  included: string[];
  exclusions: Map<string, Exclusion>;
  tokensUsed: number;
}

/** Consecutive misses after which packing stops (context-assembly.md step 4). */
export const MAX_CONSECUTIVE_MISSES = 3;

/**
 * Greedy packing by score (candidates come best first): a memory that does not fit
 * is skipped and packing goes on, until three in a row have missed or `maxMemories`
 * are in. A category's section tags cost `sectionCost(category)` once, when its
 * first memory goes in. What was never tried is `truncated`.
 */
export function packMemories(
  candidates: readonly PackCandidate[],
  budget: number,
  opts: { maxMemories?: number; sectionCost: (category: MemoryCategory) => number },
): PackResult {
  const exclusions = new Map<string, Exclusion>();
  const included: string[] = [];
  const opened = new Set<MemoryCategory>();
  const max = opts.maxMemories && opts.maxMemories > 0 ? opts.maxMemories : Number.POSITIVE_INFINITY;
  let used = 0;
  let misses = 0;
  for (const c of candidates) {
    if (misses >= MAX_CONSECUTIVE_MISSES || included.length >= max) {
      exclusions.set(c.id, "truncated");
      continue;
    }
    const cost = c.tokens + (opened.has(c.category) ? 0 : opts.sectionCost(c.category));
    if (used + cost > budget) {
      exclusions.set(c.id, "budget");
      misses++;
      continue;
    }
    used += cost;
    misses = 0;
    opened.add(c.category);
    included.push(c.id);
    exclusions.set(c.id, "included");
  }
  return { included, exclusions, tokensUsed: used };
}
