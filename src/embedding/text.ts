/** Text limits shared by every embedder (memory-engine.md §2). */
export const MAX_EMBED_CHARS = 8192;

const STOPWORDS = new Set(
  (
    "a an and are as at be been being but by can could did do does doing for from had has have having he her " +
    "here hers him his how i if in into is it its itself just me more most my no nor not of off on once only or " +
    "other our ours out over own same she should so some such than that the their theirs them then there these " +
    "they this those through to too under until up very was we were what when where which while who whom why " +
    "will with would you your yours s t d ll m re ve"
  ).split(" "),
);

/** Unicode-normalised, accent-folded, lower-case words (letters and digits). */
export function words(text: string): string[] {
  const folded = text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
  return folded.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Suffix rules, first match wins (built once: the embedder stems every word of every query). */
const STEM_RULES: readonly [RegExp, string][] = [
  [/ies$/, "y"],
  [/(ss|us)$/, "$1"],
  [/(ing|ed)$/, ""],
  [/(ly|ment|ness)$/, ""],
  [/es$/, "e"],
  [/s$/, ""],
];

/** A light suffix stemmer: "likes", "liked", "liking" and "like" share a stem. */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  for (const [re, to] of STEM_RULES) {
    if (re.test(word)) {
      const out = word.replace(re, to);
      return out.length >= 3 ? out.replace(/(.)\1$/, "$1").replace(/e$/, "") : word;
    }
  }
  return word.replace(/e$/, "");
}

/** True for function words that carry little meaning on their own. */
export function isStopword(word: string): boolean {
  return STOPWORDS.has(word);
}
