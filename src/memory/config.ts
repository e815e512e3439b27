/** Thresholds of the write pipeline and the hot set (memory-engine.md §3–4). Configurable. */
export interface MemoryEngineConfig {
  /** Cosine above which an active memory is the same thing said again: merge. */
  nearDuplicate: number;
  /** Cosine above which a same-category memory is checked for contradiction. */
  conflict: number;
  /** A contradiction judged above this supersedes the old memory; below, review. */
  supersedeConfidence: number;
  /** Injection risk above which a memory is quarantined. */
  injectionThreshold: number;
  hotSetSize: number;
  hotSetTtlSeconds: number;
}

export const DEFAULT_MEMORY_CONFIG: MemoryEngineConfig = {
  nearDuplicate: 0.92,
  conflict: 0.85,
  supersedeConfidence: 0.8,
  injectionThreshold: 0.7,
  hotSetSize: 50,
  hotSetTtlSeconds: 7 * 86_400,
};
