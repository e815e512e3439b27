import type { ClauseContext, ClauseResult } from "./facts.js";
import { fact } from "./facts.js";
import { firstPerson, weClause } from "./first-person.js";
import { DATED, FREQUENCY, HEDGES, IMPERATIVES, MONTHS, QUESTION_STARTS, WEEKDAYS } from "./lexicon.js";
import { possessiveClause, pronounClause } from "./possessive.js";
import { instruction } from "./procedural.js";
import { bare, cleanClause, expandContractions, isName, tokenize, trimEnd, word } from "./text.js";

/** Clauses opening with these are conditions or suppositions: nothing in them is a fact. */
const HYPOTHETICAL = new Set(
  "if unless when whenever suppose supposing imagine hypothetically assuming".split(" "),
);
const SUBJECTS = new Set("i my our we he she his her name".split(" "));
/** The words a fact's clause can open with: a subject, or an instruction's first word. */
const OPENERS = new Set([
  ...IMPERATIVES,
  ..."i my our we he she his her name call please kindly can could would will no so and also just from going in by do".split(
    " ",
  ),
]);

/**
 * "Every morning I drink …" → "I drink … every morning": a fronted habit or date
 * phrase (up to five words before "I") moves behind the statement it qualifies.
 */
function frontedAdverbial(tokens: string[]): string[] {
  const at = tokens.slice(1, 6).findIndex((t) => bare(t) === "i") + 1;
  if (at <= 0) return tokens;
  const phrase = trimEnd(tokens.slice(0, at).join(" "), /[\s,]/);
  if (!FREQUENCY.test(phrase) && !DATED.test(phrase)) return tokens;
  const moved = tokenize(phrase);
  const lead = moved[0] ?? "";
  // "Every morning" → "every morning"; a month or weekday keeps its capital.
  if (!new RegExp(`^(?:${MONTHS}|${WEEKDAYS})`, "i").test(lead)) moved[0] = lead.toLowerCase();
  return [...tokens.slice(at), ...moved];
}

export interface ClauseOutcome extends ClauseResult {
  /** The statement was hedged ("I think I prefer …", "probably"): confidence 0.7. */
  hedged: boolean;
  /** The clause's words after fillers, for the relation memory. */
  tokens: string[];
}

/**
 * The facts of one clause of a user turn. Dispatches on the clause's subject: "I",
 * "my/our", "we", "he/she/his/her" (read as the latest relation); an instruction to
 * the assistant is recognised first, even phrased as a question ("can you … from now
 * on?"); any other question, condition or subject gives nothing.
 */
export function clauseFacts(raw: string, question: boolean, ctx: ClauseContext): ClauseOutcome {
  const expanded = expandContractions(raw);
  const cleaned = cleanClause(expanded);
  const tokens = frontedAdverbial(tokenize(cleaned.text));
  const none: ClauseOutcome = { facts: [], hedged: false, tokens };
  const first = bare(tokens[0]);
  if (tokens.length < 2 || HYPOTHETICAL.has(first) || !OPENERS.has(first)) return none;
  // "I start in September if the paperwork is done": a condition hangs on the statement.
  if (/\bif\b/i.test(cleaned.text)) return none;
  const hedged = cleaned.hedged || HEDGES.test(cleaned.text);

  // Instructions open with a verb, "please", "call me" or "I want you to …".
  const asks =
    !SUBJECTS.has(first) || (first === "i" && /^i (?:want|need|would|expect)\b/i.test(cleaned.text));
  const said = asks ? instruction(cleaned.text, expanded) : null;
  if (said) return { facts: [{ content: said, category: "procedural" }], hedged, tokens };
  if (question && (QUESTION_STARTS.has(first) || first === "you")) return none;

  const c: ClauseContext = { ...ctx, now: cleaned.now };
  let result: ClauseResult = { facts: [] };
  if (first === "i") result = firstPerson(tokens.slice(1), c);
  else if (first === "my" || first === "our") result = possessiveClause(tokens, c);
  else if (first === "we") result = weClause(tokens.slice(1), c);
  else if (["he", "she", "his", "her"].includes(first)) result = pronounClause(tokens, c);
  else if (first === "name" && bare(tokens[1]) === "is" && isName(tokens[2])) {
    result = { facts: [fact("identity", `The user's name is ${word(tokens[2])}`)] };
  }
  return { ...result, hedged, tokens };
}
