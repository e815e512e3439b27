import type { Config } from "../env.js";
import { createLlmExtractor } from "./llm-extractor.js";
import type { Extractor } from "./ports.js";
import { createRuleExtractor } from "./rule-extractor.js";

/**
 * The LLM extractor when LLM_BASE_URL is configured (model EXTRACTION_MODEL, else
 * LLM_MODEL), the rule-based extractor otherwise (the embedded default, ADR-0036).
 */
export function selectExtractor(config: Config, fetchFn?: typeof fetch): Extractor {
  if (!config.LLM_BASE_URL) return createRuleExtractor();
  return createLlmExtractor({
    baseUrl: config.LLM_BASE_URL,
    model: config.EXTRACTION_MODEL ?? config.LLM_MODEL,
    ...(config.LLM_API_KEY ? { apiKey: config.LLM_API_KEY } : {}),
    ...(fetchFn ? { fetch: fetchFn } : {}),
  });
}
