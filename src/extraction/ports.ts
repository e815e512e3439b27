import type { MemoryCategory } from "../memory/categories.js";
import type { MessageRole } from "../memory/ports.js";

/** One message of a session as the extractor sees it; `seq` is its 0-based position. */
export interface Turn {
  seq: number;
  role: MessageRole;
  content: string;
}

/** A durable, self-contained fact found in the turns (ADR-0036). */
export interface ExtractedFact {
  /** Third person and self-contained ("The user is allergic to peanuts"); 5–1,000 chars. */
  content: string;
  category: MemoryCategory;
  /** 1.0 stated, 0.7 clearly implied, 0.5 uncertain; below 0.5 the memory goes to review. */
  confidence: number;
  /** `seq` of the turn the fact comes from (the last one, when several support it). */
  turn: number;
}

/** What an extractor's upstream model cost, when it has one. */
export interface ExtractionUsage {
  model: string;
  promptTokens: number;
  completionTokens: number;
  /** In US dollars, when the model's price is known. */
  costUsd?: number;
}

export interface ExtractionResult {
  /** In turn order; at most 10 per turn. */
  facts: ExtractedFact[];
  usage?: ExtractionUsage;
}

/**
 * Turns of a conversation to durable memories (ADR-0036).
 * X1: the same turns give the same facts (deterministic for the rule-based extractor;
 *     temperature ~0.1 for the LLM one), so a retried job converges.
 * X2: every fact's `turn` is the `seq` of one of the given turns.
 * X3: failure rejects with an AppError whose `retryable` says whether a retry may help
 *     (transport, 429, 5xx, timeouts, malformed model output); nothing is half-returned.
 */
export interface Extractor {
  /** Content-free name recorded with the job's result (`rules`, `llm`). */
  readonly name: string;
  extract(turns: readonly Turn[]): Promise<ExtractionResult>;
}
