import type { Encoding } from "./tokenizer.js";

/** Context windows by model (context-assembly.md); CONTEXT_MODEL_WINDOWS adds or overrides. */
export const DEFAULT_MODEL_WINDOWS: Record<string, number> = {
  "gpt-4o": 128_000,
  "gpt-4o-mini": 128_000,
  "gpt-4-turbo": 128_000,
  "gpt-4": 8_192,
  "gpt-3.5-turbo": 16_385,
};
export const UNKNOWN_MODEL_WINDOW = 8_192;

// Model families that use the o200k encoding; everything else (and unknown) uses cl100k.
const O200K = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o)/;

export interface ModelInfo {
  window: number;
  encoding: Encoding;
  known: boolean;
}

/**
 * The window and encoding of a model. Dated or suffixed names (`gpt-4o-2024-08-06`)
 * match their family by the longest known prefix; an unknown model gets 8,192 and
 * cl100k — never an error.
 */
export function modelInfo(model: string, windows: Record<string, number> = DEFAULT_MODEL_WINDOWS): ModelInfo {
  const name = model.trim().toLowerCase();
  const encoding: Encoding = O200K.test(name) ? "o200k_base" : "cl100k_base";
  if (windows[name] !== undefined) return { window: windows[name], encoding, known: true };
  const family = Object.keys(windows)
    .filter((k) => name.startsWith(`${k}-`))
    .sort((a, b) => b.length - a.length)[0];
  return family
    ? { window: windows[family] ?? UNKNOWN_MODEL_WINDOW, encoding, known: true }
    : { window: UNKNOWN_MODEL_WINDOW, encoding, known: false };
}
