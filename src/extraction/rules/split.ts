import { CLAUSE_STARTS, QUESTION_STARTS } from "./lexicon.js";
import { bare } from "./text.js";

/** Longer sentences are not mined: no statement about oneself runs this long. */
export const MAX_SENTENCE_CHARS = 400;

export interface Sentence {
  text: string;
  /** It ended with a question mark. */
  question: boolean;
}

const ABBREVIATIONS = new Set(
  "mr mrs ms dr st prof sr jr vs etc eg ie e.g i.e approx mt ft dept univ inc ltd co".split(" "),
);

/** True when the "." at `dot` ends an abbreviation ("Mr.", "e.g.") or an initial. */
function abbreviationAt(text: string, dot: number): boolean {
  let k = dot - 1;
  while (k >= 0 && dot - k <= 6 && /[A-Za-z.]/.test(text.charAt(k))) k -= 1;
  const word = text.slice(k + 1, dot).toLowerCase();
  return ABBREVIATIONS.has(word) || /^[a-z]$/.test(word);
}

/**
 * Sentences of a turn, in one left-to-right pass (linear time): split at line breaks
 * and at runs of `.`, `!`, `?` followed by a space or the end, except after an
 * abbreviation. Sentences longer than MAX_SENTENCE_CHARS are dropped.
 */
export function splitSentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  const push = (from: number, to: number, question: boolean) => {
    if (to - from > MAX_SENTENCE_CHARS * 2) return;
    const s = text.slice(from, to).trim();
    if (s.length > 0 && s.length <= MAX_SENTENCE_CHARS) out.push({ text: s, question });
  };
  let start = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charAt(i);
    if (c === "\n" || c === "\r") {
      push(start, i, false);
      start = i + 1;
      continue;
    }
    if (c !== "." && c !== "!" && c !== "?") continue;
    let j = i;
    let question = false;
    while (j < n && ".!?".includes(text.charAt(j))) {
      if (text.charAt(j) === "?") question = true;
      j += 1;
    }
    while (j < n && `"')]’”`.includes(text.charAt(j))) j += 1;
    const boundary = j >= n || /\s/.test(text.charAt(j));
    if (boundary && !(c === "." && j === i + 1 && abbreviationAt(text, i))) {
      push(start, j, question);
      start = j;
    }
    i = j - 1;
  }
  push(start, n, false);
  return out;
}

const CONJUNCTIONS = new Set("and but so because cause though although while whereas or".split(" "));
/** Verbs after "my husband and I": the pair is one subject. */
const PLURAL_VERBS = new Set(
  "are were have had will would both live love like went moved got met just also do often always usually never".split(
    " ",
  ),
);
const ALWAYS_AFTER_COMMA = new Set("so but because though although if which whereas".split(" "));
const SKIPPABLE = new Set("now then also still really actually honestly".split(" "));

/** Does a clause start at `tokens[at]` (a subject, or after a comma a question word)? */
function clauseStartsAt(
  tokens: readonly string[],
  at: number,
  afterComma: boolean,
  question = false,
): boolean {
  let k = at;
  while (k < tokens.length && k < at + 2 && SKIPPABLE.has(bare(tokens[k]))) k += 1;
  const w = bare(tokens[k]);
  if (w === "") return false;
  if (CLAUSE_STARTS.has(w)) return afterComma || !["the", "these", "those", "which", "this"].includes(w);
  if (!afterComma) return false;
  if (ALWAYS_AFTER_COMMA.has(w) || (question && QUESTION_STARTS.has(w))) return true;
  return CONJUNCTIONS.has(w) && clauseStartsAt(tokens, k + 1, false);
}

/** "My husband and I …": a joint subject, not two clauses. */
function jointSubject(current: readonly string[], next: string | undefined): boolean {
  return current.length <= 4 && ["my", "our"].includes(bare(current[0])) && bare(next) === "i";
}

/**
 * Clauses of a sentence: split at `;`, `:` and dashes, and at commas or conjunctions
 * that start a new subject ("…, I live in Lyon", "… and I'm a nurse", "…, is it far?").
 * Lists ("peanuts, eggs and milk") stay whole. One pass over the words.
 */
export function splitClauses(sentence: string, question = false): string[] {
  const tokens = sentence.split(/\s+/).filter((t) => t.length > 0);
  const clauses: string[][] = [];
  let current: string[] = [];
  const cut = () => {
    if (current.length > 0) clauses.push(current);
    current = [];
  };
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k] ?? "";
    if (/^[-–—]+$/.test(tok)) {
      cut();
      continue;
    }
    current.push(tok);
    if (k + 1 >= tokens.length) break;
    if (/[;:]$/.test(tok)) cut();
    else if (tok.endsWith(",")) {
      if (clauseStartsAt(tokens, k + 1, true, question)) cut();
    } else if (CONJUNCTIONS.has(bare(tokens[k + 1])) && clauseStartsAt(tokens, k + 2, false)) {
      const joint = bare(tokens[k + 1]) === "and" && jointSubject(current, tokens[k + 2]);
      if (!joint || !PLURAL_VERBS.has(bare(tokens[k + 3]))) cut();
    }
  }
  cut();
  return clauses.map((c) => c.join(" "));
}
