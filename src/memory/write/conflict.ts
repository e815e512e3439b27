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
 * Decides whether two related memories of one agent contradict. Asked about at most
 * six candidates per write (conflict-candidates.ts, ADR-0037): memories about the same
 * subject ("the user's favourite colour", "lives in") in a compatible category, memories
 * closer than cosine 0.85 in the same category, and memories sharing most content words.
 * Compatible facts must come back `contradicts: false` (a second allergy, a refinement).
 * Adapters: the heuristic judge (embedded default) and an OpenAI-compatible LLM judge.
 */
export interface ConflictJudge {
  judge(existing: JudgedMemory, incoming: JudgedMemory): Promise<ConflictVerdict>;
}
