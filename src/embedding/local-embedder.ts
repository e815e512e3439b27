import { AppError } from "../lib/errors.js";
import { isStopword, MAX_EMBED_CHARS, stem, words } from "./text.js";

/** Identifies the vectors this embedder makes; bump when the algorithm changes. */
export const LOCAL_MODEL = "engram-local-v1";
export const LOCAL_DIMENSION = 384;

// Feature weights: content words dominate; bigrams add phrase order; character
// trigrams make near spellings ("colour"/"color") and unknown words overlap.
const W_WORD = 1.0;
const W_BIGRAM = 0.6;
const W_TRIGRAM = 0.6;
const W_STOPWORD = 0.1;

/** 32-bit FNV-1a over UTF-16 code units: cheap, and identical in every JS engine. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Validates input for every embedder (E3: bad input rejects).
 * @throws INVALID_ARGUMENT for non-strings, blank text and text over 8,192 chars.
 */
export function checkEmbedText(text: unknown, path = "text"): string {
  if (typeof text !== "string" || text.trim().length === 0) {
    throw new AppError("INVALID_ARGUMENT", `${path} must be a non-blank string`, {
      fields: [{ path, message: "required, non-blank" }],
    });
  }
  if (text.length > MAX_EMBED_CHARS) {
    throw new AppError("INVALID_ARGUMENT", `${path} is longer than ${MAX_EMBED_CHARS} characters`, {
      fields: [{ path, message: `at most ${MAX_EMBED_CHARS} characters` }],
    });
  }
  return text;
}

/**
 * Validates every text of a batch (`texts.N` paths).
 * @throws INVALID_ARGUMENT for the first bad text.
 */
export function checkEmbedTexts(texts: readonly unknown[]): void {
  for (const [i, t] of texts.entries()) checkEmbedText(t, `texts.${i}`);
}

/**
 * The built-in embedder: signed feature hashing of stemmed words, word bigrams and
 * character trigrams into 384 dimensions, log-scaled and L2-normalised. Pure integer
 * hashing and IEEE double arithmetic in a fixed order make the output byte-identical
 * in Node and workerd (E1). It captures lexical and morphological overlap, not
 * synonyms: "car" and "automobile" are unrelated to it (ADR-0033).
 */
export function localEmbed(text: string, dimension: number = LOCAL_DIMENSION): number[] {
  checkEmbedText(text);
  // feature -> [weight of its kind, term frequency]
  const features = new Map<string, [number, number]>();
  const add = (feature: string, weight: number) => {
    if (weight <= 0) return;
    const f = features.get(feature);
    if (f) f[1]++;
    else features.set(feature, [weight, 1]);
  };
  const tokens = words(text);
  let previous: string | null = null;
  for (const w of tokens) {
    const stop = isStopword(w);
    const s = stem(w);
    add(`w:${s}`, stop ? W_STOPWORD : W_WORD);
    if (!stop) {
      if (previous) add(`b:${previous}_${s}`, W_BIGRAM);
      previous = s;
      const padded = `#${s}#`;
      for (let i = 0; i + 3 <= padded.length; i++) add(`c:${padded.slice(i, i + 3)}`, W_TRIGRAM);
    }
  }
  // Text with no usable words (emoji, punctuation, only stopwords) still gets a stable vector.
  if (features.size === 0) add(`raw:${text.trim()}`, 1);

  const vector = new Array<number>(dimension).fill(0);
  // Sorted features fix the summation order, so rounding is the same everywhere.
  for (const feature of [...features.keys()].sort()) {
    const [weight, tf] = features.get(feature) ?? [0, 1];
    const h = fnv1a(feature);
    const index = h % dimension;
    const sign = fnv1a(`s:${feature}`) & 1 ? 1 : -1;
    // Sub-linear term frequency: a word said five times is not five times as telling.
    vector[index] = (vector[index] ?? 0) + sign * weight * (1 + Math.log(tf));
  }
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm === 0) {
    // Every feature cancelled out: fall back to one deterministic axis.
    vector[fnv1a(text) % dimension] = 1;
    return vector;
  }
  return vector.map((x) => x / norm);
}
