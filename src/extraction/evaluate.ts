import { isStopword, stem, words } from "../embedding/text.js";

/** A labelled fact: what a careful annotator would keep from a conversation. */
export interface LabelledFact {
  content: string;
  category: string;
}

/** One expected fact paired with the actual fact that matched it. */
export interface FactMatch {
  expected: number;
  actual: number;
  similarity: number;
  sameCategory: boolean;
}

export interface ExtractionScore {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** tp / (tp + fp); 1 when nothing was extracted (nothing wrong was claimed). */
  precision: number;
  /** tp / (tp + fn); 1 when nothing was expected. */
  recall: number;
  /** Matched pairs whose categories agree. */
  categoryMatches: number;
  /** categoryMatches / truePositives; 1 when nothing matched. */
  categoryAccuracy: number;
  /** The pairs behind the true positives (empty in a sum). */
  matches: FactMatch[];
}

/**
 * Token-set F1 at or above this counts as the same fact (and polarity must agree). Facts are short (3–8 content
 * tokens once framing and function words go), so 0.6 asks for most of the content on
 * both sides: 2 of 3 shared tokens each way (0.67) match, 1 of 2 against 3 (0.4) does not,
 * and a fact that only shares its subject ("The user's wife …") with another never does.
 */
export const MATCH_THRESHOLD = 0.6;

/** Words that frame a fact rather than carry it ("The user's …", "the assistant …"). */
const FRAMING = new Set(["user", "users", "assistant", "assistants", "themselves", "their"]);
/** Negations stay in (text.ts drops them as stop words): "likes" and "does not like" differ. */
const NEGATIONS = new Set([
  "not",
  "no",
  "never",
  "nor",
  "dont",
  "doesnt",
  "didnt",
  "cant",
  "cannot",
  "wont",
  "isnt",
  "arent",
  "wasnt",
  "havent",
  "hasnt",
]);

/** Content tokens of a fact: lower-case, accent-folded, stemmed; framing and stop words out. */
export function factTokens(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text.replace(/['’]/g, ""))) {
    if (NEGATIONS.has(w)) out.push("not");
    else if (!FRAMING.has(w) && !isStopword(w)) out.push(stem(w));
  }
  return out;
}

/**
 * Token-set F1 of two token lists; 0 when either is empty or when only one of them is
 * negated ("drinks coffee" and "does not drink coffee" are different facts).
 */
export function tokenF1(a: readonly string[], b: readonly string[]): number {
  const sa = new Set(a);
  const sb = new Set(b);
  if (sa.size === 0 || sb.size === 0 || sa.has("not") !== sb.has("not")) return 0;
  let shared = 0;
  for (const t of sa) if (sb.has(t)) shared += 1;
  return (2 * shared) / (sa.size + sb.size);
}

/** How alike two facts read, in [0, 1]. */
export function factSimilarity(a: string, b: string): number {
  return tokenF1(factTokens(a), factTokens(b));
}

const ratio = (n: number, d: number) => (d === 0 ? 1 : n / d);

/**
 * Scores one conversation's extracted facts against its labels: one-to-one greedy
 * matching (the most similar pair first, ties by position) of pairs whose similarity
 * reaches `threshold`. Categories are ignored for matching and reported as accuracy
 * over the matched pairs. Pure and deterministic.
 */
export function scoreExtraction(
  expected: readonly LabelledFact[],
  actual: readonly LabelledFact[],
  threshold = MATCH_THRESHOLD,
): ExtractionScore {
  const et = expected.map((f) => factTokens(f.content));
  const at = actual.map((f) => factTokens(f.content));
  const pairs: { e: number; a: number; s: number }[] = [];
  for (const [e, te] of et.entries()) {
    for (const [a, ta] of at.entries()) {
      const s = tokenF1(te, ta);
      if (s >= threshold) pairs.push({ e, a, s });
    }
  }
  pairs.sort((x, y) => y.s - x.s || x.e - y.e || x.a - y.a);
  const usedE = new Set<number>();
  const usedA = new Set<number>();
  const matches: FactMatch[] = [];
  for (const p of pairs) {
    if (usedE.has(p.e) || usedA.has(p.a)) continue;
    usedE.add(p.e);
    usedA.add(p.a);
    matches.push({
      expected: p.e,
      actual: p.a,
      similarity: p.s,
      sameCategory: expected[p.e]?.category === actual[p.a]?.category,
    });
  }
  matches.sort((x, y) => x.expected - y.expected);
  const tp = matches.length;
  const categoryMatches = matches.filter((m) => m.sameCategory).length;
  return {
    truePositives: tp,
    falsePositives: actual.length - tp,
    falseNegatives: expected.length - tp,
    precision: ratio(tp, actual.length),
    recall: ratio(tp, expected.length),
    categoryMatches,
    categoryAccuracy: ratio(categoryMatches, tp),
    matches,
  };
}

/** Micro-averaged total of several conversations' scores. */
export function sumScores(scores: readonly ExtractionScore[]): ExtractionScore {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let cat = 0;
  for (const s of scores) {
    tp += s.truePositives;
    fp += s.falsePositives;
    fn += s.falseNegatives;
    cat += s.categoryMatches;
  }
  return {
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    categoryMatches: cat,
    categoryAccuracy: ratio(cat, tp),
    matches: [],
  };
}
