import { stem, words } from "../../embedding/text.js";
import type { ConflictJudge, ConflictVerdict, JudgedMemory } from "./conflict.js";
import { compareValues, hasAdditiveMarker, hasChangeMarker, type Subject, subjectOf } from "./subject-key.js";

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
  ["dark", "light"],
  ["introvert", "extrovert"],
  ["remote", "office"],
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

/** Runs of consecutive tokens of `all` that are among `changed`: "3 March" is one slot. */
function slots(all: string[], changed: string[]): number {
  const left = multiset(changed);
  let runs = 0;
  let inRun = false;
  for (const t of all) {
    const n = left.get(t) ?? 0;
    if (n > 0) {
      left.set(t, n - 1);
      if (!inRun) runs++;
      inRun = true;
    } else inRun = false;
  }
  return runs;
}

/** "instead of X", "rather than X", "in place of X": the incoming statement replaces X. */
const REPLACES = /\b(?:instead of|rather than|in place of)\s+([^,;.]+)/i;

/** Words saying a statement holds one value at a time ("prefers", "favourite", "usually"). */
const EXCLUSIVE = new Set(
  ["prefer", "favourit", "usual", "normal", "typical", "rather", "main", "primary", "default", "only"].map(
    (w) => stem(w),
  ),
);

const verdict = (contradicts: boolean, confidence: number, reason: string): ConflictVerdict => ({
  contradicts,
  confidence,
  reason,
});

/**
 * Both statements have a subject (subject-key.ts): same key → compare polarity and
 * values; different keys → different things, both stay.
 */
function bySubject(a: Subject, b: Subject): ConflictVerdict {
  if (a.key !== b.key) return verdict(false, 0.75, "different_subject");
  const values = compareValues(a.value, b.value);
  if (a.negated !== b.negated) {
    // "lives in Paris" / "no longer lives in Berlin": the denial is about another value.
    if (a.single && values === "different") return verdict(false, 0.7, "compatible");
    // "drinks coffee" / "doesn't drink coffee after 3 pm": only part of it is denied.
    const [denied, other] = a.negated ? [a, b] : [b, a];
    const extra = denied.qualifier.filter((w) => !other.qualifier.includes(w) && !other.value.includes(w));
    if (extra.length > 0) return verdict(true, 0.6, "possible_change");
    return verdict(true, 0.9, a.negationMarker || b.negationMarker ? "negation" : "opposites");
  }
  // Both deny, or one more item of a list attribute (allergies, hobbies): nothing replaced.
  if (a.negated || !a.single) return verdict(false, 0.8, "compatible");
  if (values === "different") {
    if (a.certain && b.certain) return verdict(true, b.changed ? 0.95 : 0.9, "changed_value");
    // One of several sisters, or an attribute only the grammar calls single: a new
    // value replaces the old when the statement says so, else an operator decides.
    return b.changed ? verdict(true, 0.85, "changed_value") : verdict(true, 0.6, "possible_change");
  }
  // The same value, or one refines the other ("Paris" / "Paris, France"): a near-duplicate.
  return verdict(false, 0.8, values === "same" ? "refinement" : "compatible");
}

/**
 * "cycles to work instead of taking the bus", "drinks tea rather than coffee": the
 * newer statement names, among the older one's words, what it replaces.
 */
function replaces(existing: JudgedMemory, incoming: JudgedMemory): boolean {
  const named = REPLACES.exec(incoming.content)?.[1];
  if (!named) return false;
  const a = tokens(existing.content);
  const b = tokens(incoming.content);
  const replacedWords = tokens(named);
  const shared = a.filter((t) => b.includes(t)).length / Math.max(1, Math.min(a.length, b.length));
  return replacedWords.length > 0 && replacedWords.every((t) => a.includes(t)) && shared >= 0.5;
}

/**
 * The surface comparison, for statements without a recognised subject on both sides.
 * `oneSided`: one of them has a subject the other lacks ("works at Acme" / "works in
 * Paris"), so they likely say different things; a changed value is then not enough to
 * supersede.
 */
function byTokens(existing: JudgedMemory, incoming: JudgedMemory, oneSided: boolean): ConflictVerdict {
  const a = tokens(existing.content);
  const b = tokens(incoming.content);
  const onlyA = minus(multiset(a), multiset(b));
  const onlyB = minus(multiset(b), multiset(a));
  const shared = a.length - onlyA.length;
  const overlap = shared / Math.max(1, Math.min(a.length, b.length));
  if (overlap < 0.5) return verdict(false, 0.6, "unrelated");
  const changed = hasChangeMarker(incoming.content) && !hasAdditiveMarker(incoming.content);

  const negA = onlyA.filter((t) => NEGATIONS.has(t));
  const negB = onlyB.filter((t) => NEGATIONS.has(t));
  const restA = onlyA.filter((t) => !NEGATIONS.has(t));
  const restB = onlyB.filter((t) => !NEGATIONS.has(t));
  if (negA.length > 0 !== negB.length > 0) {
    // Only a negation differs, or the negated side denies the other's gist and adds
    // nothing ("goes running every morning" / "no longer goes running").
    const [deniedRest, otherRest] = negA.length > 0 ? [restA, restB] : [restB, restA];
    if (restA.length + restB.length <= 1 || (deniedRest.length === 0 && otherRest.length <= 3)) {
      return verdict(true, 0.9, "negation");
    }
  }
  if (
    restA.length === 1 &&
    restB.length === 1 &&
    STEMMED_OPPOSITES.some(
      ([x, y]) => (restA[0] === x && restB[0] === y) || (restA[0] === y && restB[0] === x),
    )
  ) {
    return verdict(true, 0.9, "opposites");
  }
  const valuesA = restA.filter((t) => isValueToken(t, existing.content));
  const valuesB = restB.filter((t) => isValueToken(t, incoming.content));
  if (
    valuesA.length > 0 &&
    valuesB.length > 0 &&
    valuesA.length === restA.length &&
    valuesB.length === restB.length
  ) {
    // Two events on different days are two events, unless the newer one says it moved.
    if ((existing.category === "episodic" || incoming.category === "episodic") && !changed) {
      return verdict(false, 0.6, "another_event");
    }
    // One slot with a new value replaces the old one; several changed slots may be
    // another fact altogether ("5 km on Saturdays" / "10 km on Sundays").
    const oneSlot = slots(a, restA) <= 1 && slots(b, restB) <= 1 && !oneSided;
    return verdict(true, oneSlot ? (changed ? 0.9 : 0.85) : 0.7, "changed_value");
  }
  if (restA.length > 0 && restB.length > 0) {
    const exclusive = [...a, ...b].some((t) => EXCLUSIVE.has(t));
    // Same subject, different wording: possibly a change; an operator decides.
    if ((overlap >= 0.6 && exclusive) || changed)
      return verdict(true, changed ? 0.6 : 0.55, "possible_change");
  }
  return verdict(false, 0.7, "compatible");
}

/**
 * Decides contradictions from the surface of two statements (ADR-0037):
 * - with a recognised subject on both sides (subject-key.ts): a different subject is
 *   compatible; the same subject is contradicted by a negation ("no longer lives in
 *   Porto"), a negative verb ("hates jazz") or, for a single-valued attribute (lives
 *   in, works at, name, age, favourite X, diet …), a different value — while a second
 *   allergy or hobby, or a refinement ("Paris" / "Paris, France"), is not;
 * - "instead of / rather than X" naming words of the older statement contradicts it;
 * - otherwise from their tokens: a negation, an antonym pair, or a changed number,
 *   date, weekday, month or name (one slot; in episodic memories only with a change
 *   marker); a reworded preference or an explicit change marker ("now", "switched
 *   to") goes to review. Anything else is "not contradicting": both stay.
 */
export function createHeuristicJudge(): ConflictJudge {
  return {
    async judge(existing, incoming): Promise<ConflictVerdict> {
      const a = subjectOf(existing.content);
      const b = subjectOf(incoming.content);
      if (a && b && a.key === b.key) return bySubject(a, b);
      if (replaces(existing, incoming)) return verdict(true, 0.85, "replaced");
      return a && b ? bySubject(a, b) : byTokens(existing, incoming, Boolean(a) !== Boolean(b));
    },
  };
}
