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

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a over UTF-16 code units, continued from state `h`: cheap, and identical in every JS engine. */
function fnv1aFrom(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** FNV-1a of `text`. */
const fnv1a = (text: string) => fnv1aFrom(FNV_OFFSET, text);

/** The state after "s:", so a feature's sign hash needs no prefixed copy of it. */
const SIGN_STATE = fnv1aFrom(FNV_OFFSET, "s:");

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
  const features = new Map<string, { weight: number; tf: number }>();
  const add = (feature: string, weight: number) => {
    if (weight <= 0) return;
    const f = features.get(feature);
    if (f) f.tf++;
    else features.set(feature, { weight, tf: 1 });
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
  return normalised(sumFeatures(features, dimension), text);
}

/**
 * Each feature's signed, sub-linear term (a word said five times is not five times as
 * telling) added into its hashed dimension. The sums are defined in sorted feature
 * order, so rounding is the same everywhere; since IEEE addition is commutative, order
 * can only change a dimension's sum once three or more features land in it, so only
 * those few are sorted: the same sums as sorting them all (compared on 70,000 texts; a
 * digest test pins the bits).
 */
function sumFeatures(features: Map<string, { weight: number; tf: number }>, dimension: number): number[] {
  const n = features.size;
  const names = new Array<string>(n);
  const index = new Int32Array(n);
  const term = new Float64Array(n);
  const perDimension = new Uint8Array(dimension);
  let k = 0;
  for (const [feature, { weight, tf }] of features) {
    const i = fnv1a(feature) % dimension;
    const sign = fnv1aFrom(SIGN_STATE, feature) & 1 ? 1 : -1;
    names[k] = feature;
    index[k] = i;
    term[k] = sign * weight * (1 + Math.log(tf));
    if ((perDimension[i] as number) < 3) perDimension[i] = (perDimension[i] as number) + 1;
    k++;
  }
  const vector = new Array<number>(dimension).fill(0);
  const crowded: number[] = [];
  for (let j = 0; j < n; j++) {
    const i = index[j] as number;
    if (perDimension[i] === 3) crowded.push(j);
    else vector[i] = (vector[i] as number) + (term[j] as number);
  }
  crowded.sort((a, b) => ((names[a] as string) < (names[b] as string) ? -1 : 1));
  for (const j of crowded) {
    const i = index[j] as number;
    vector[i] = (vector[i] as number) + (term[j] as number);
  }
  return vector;
}

/** `vector` scaled to unit length (in place). */
function normalised(vector: number[], text: string): number[] {
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm === 0) {
    // Every feature cancelled out: fall back to one deterministic axis.
    vector[fnv1a(text) % vector.length] = 1;
    return vector;
  }
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) / norm;
  return vector;
}
