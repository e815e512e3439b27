import type { Config } from "../../env.js";
import { DEFAULT_MEMORY_CONFIG, type MemoryEngineConfig } from "../config.js";
import type { ConflictJudge } from "./conflict.js";
import { createHeuristicJudge } from "./heuristic-judge.js";
import { createLlmJudge } from "./llm-judge.js";

/** The LLM judge when LLM_BASE_URL is configured, the heuristic judge otherwise. */
export function selectJudge(config: Config): ConflictJudge {
  if (!config.LLM_BASE_URL) return createHeuristicJudge();
  return createLlmJudge({
    baseUrl: config.LLM_BASE_URL,
    model: config.LLM_MODEL,
    ...(config.LLM_API_KEY ? { apiKey: config.LLM_API_KEY } : {}),
  });
}

/** The write pipeline's thresholds from configuration. */
export function memoryConfigOf(config: Config): MemoryEngineConfig {
  return {
    ...DEFAULT_MEMORY_CONFIG,
    nearDuplicate: config.MEMORY_NEAR_DUPLICATE,
    conflict: config.MEMORY_CONFLICT,
    supersedeConfidence: config.MEMORY_SUPERSEDE_CONFIDENCE,
    injectionThreshold: config.MEMORY_INJECTION_THRESHOLD,
  };
}
