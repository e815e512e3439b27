import { stem, words } from "../../embedding/text.js";
import type { ConflictJudge, ConflictVerdict } from "./conflict.js";

const NEGATIONS = new Set([
  "not",
  "no",
  "never",
  "none",
  "nobody",
  "nothing",
  "nor",
  "cannot",
  "dont",
  "doesnt",
  "didnt",
  "isnt",
  "arent",
  "wasnt",
  "werent",
  "wont",
  "cant",
  "longer",
  "stopped",
  "quit",
  "anymore",
]);
const OPPOSITES: [string, string][] = [
  ["like", "dislike"],
  ["love", "hate"],
  ["like", "hate"],
  ["prefer", "avoid"],
  ["enjoy", "hate"],
  ["allow", "forbid"],
  ["enable", "disable"],
  ["always", "never"],
  ["true", "false"],
  ["yes", "no"],
  ["vegetarian", "vegan"],
  ["morning", "evening"],
  ["before", "after"],
];
// Compared after stemming, like every other token.
const STEMMED_OPPOSITES = OPPOSITES.map(([x, y]) => [stem(x), stem(y)] as const);
const FILLER = new Set([
  "a",
  "an",
  "the",
  "is",
  "are",
  "was",
  "were",
  "be",
  "to",
  "of",
  "and",
  "in",
  "on",
  "at",
  "s",
  "i",
  "my",
  "user",
  "users",
  "he",
  "she",
  "they",
  "their",
  "his",
  "her",
  "it",
  "now",
  "currently",
  "also",
]);
const MONTHS =
  "january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec".split(
    " ",
  );
const DAYS = "monday tuesday wednesday thursday friday saturday sunday".split(" ");

/** Tokens for comparison: apostrophes dropped (don't -> dont), stemmed, fillers removed. */
function tokens(text: string): string[] {
  return words(text.replace(/['’]/g, ""))
    .map((w) => (NEGATIONS.has(w) ? w : stem(w)))
    .filter((w) => !FILLER.has(w));
}

/** Numbers, dates, weekdays, months and names: the slots a changed fact changes. */
function isValueToken(token: string, original: string): boolean {
  if (/\d/.test(token) || MONTHS.includes(token) || DAYS.includes(token)) return true;
  return (
    new RegExp(`\\b${token}`, "i").test(original) &&
    /\b[A-Z][a-z]+/.test(original) &&
    original.split(/\s+/).some((w) => w.toLowerCase().startsWith(token) && /^[A-Z]/.test(w))
  );
}

const multiset = (xs: string[]) => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
};
const minus = (a: Map<string, number>, b: Map<string, number>) =>
  [...a.entries()].flatMap(([k, n]) => Array<string>(Math.max(0, n - (b.get(k) ?? 0))).fill(k));

/**
 * Decides contradictions from the surface of two similar statements (ADR-0037):
 * - negation: the statements differ only by a negation ("likes X" / "no longer likes X");
 * - opposites: they differ by an antonym pair ("likes" / "hates");
 * - changed value: the same statement with a different number, date, weekday, month or
 *   name ("lives in Paris" / "lives in Lisbon", "meeting on Tuesday" / "on Thursday").
 * Anything else is "not contradicting": two facts that are merely similar both stay.
 */
export function createHeuristicJudge(): ConflictJudge {
  return {
    async judge(existing, incoming): Promise<ConflictVerdict> {
      const a = tokens(existing.content);
      const b = tokens(incoming.content);
      const onlyA = minus(multiset(a), multiset(b));
      const onlyB = minus(multiset(b), multiset(a));
      const shared = a.length - onlyA.length;
      const overlap = shared / Math.max(1, Math.min(a.length, b.length));
      if (overlap < 0.5) return { contradicts: false, confidence: 0.6, reason: "unrelated" };

      const negA = onlyA.filter((t) => NEGATIONS.has(t));
      const negB = onlyB.filter((t) => NEGATIONS.has(t));
      const restA = onlyA.filter((t) => !NEGATIONS.has(t));
      const restB = onlyB.filter((t) => !NEGATIONS.has(t));
      if (negA.length > 0 !== negB.length > 0 && restA.length + restB.length <= 1) {
        return { contradicts: true, confidence: 0.9, reason: "negation" };
      }
      if (
        restA.length === 1 &&
        restB.length === 1 &&
        STEMMED_OPPOSITES.some(
          ([x, y]) => (restA[0] === x && restB[0] === y) || (restA[0] === y && restB[0] === x),
        )
      ) {
        return { contradicts: true, confidence: 0.9, reason: "opposites" };
      }
      const valuesA = restA.filter((t) => isValueToken(t, existing.content));
      const valuesB = restB.filter((t) => isValueToken(t, incoming.content));
      if (
        valuesA.length > 0 &&
        valuesB.length > 0 &&
        valuesA.length === restA.length &&
        valuesB.length === restB.length
      ) {
        // Same statement, different slot values: the newer value replaces the older.
        return { contradicts: true, confidence: restA.length <= 2 ? 0.85 : 0.7, reason: "changed_value" };
      }
      if (restA.length > 0 && restB.length > 0 && overlap >= 0.6) {
        // Same subject, different wording: possibly a change; an operator decides.
        return { contradicts: true, confidence: 0.55, reason: "possible_change" };
      }
      return { contradicts: false, confidence: 0.7, reason: "compatible" };
    },
  };
}
