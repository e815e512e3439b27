import type { MemoryCategory } from "../categories.js";

/** A memory as the judge sees it. */
export interface JudgedMemory {
  content: string;
  category: MemoryCategory;
}

/** Whether the incoming memory contradicts the existing one, and how sure the judge is. */
export interface ConflictVerdict {
  contradicts: boolean;
  /** In [0, 1]; above 0.8 a contradiction supersedes the old memory (ADR-0037). */
  confidence: number;
  /** Short, content-free label (`negation`, `changed_value`, `llm`), safe to log and store. */
  reason: string;
}

/**
 * Decides whether two similar memories (same agent and category, cosine > 0.85)
 * contradict. Called only above that threshold. Adapters: the heuristic judge
 * (embedded default) and an OpenAI-compatible LLM judge.
 */
export interface ConflictJudge {
  judge(existing: JudgedMemory, incoming: JudgedMemory): Promise<ConflictVerdict>;
}
