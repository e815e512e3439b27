import {
  type ClauseContext,
  type ClauseFact,
  type ClauseResult,
  fact,
  type Kind,
  objectText,
} from "./facts.js";
import {
  ADVERBS,
  ATTRIBUTES,
  DATED,
  DEVICES,
  DIET_WORDS,
  DURABLE_ADJECTIVES,
  EVENT_ATTRIBUTES,
  ONGOING,
  PREFERENCE_VERBS,
  REPORTED_VERBS,
  SKIP_VERBS,
} from "./lexicon.js";
import { type Relation, relationAt } from "./relations.js";
import { bare, isName, rewritePronouns, word } from "./text.js";

const NONE: ClauseResult = { facts: [] };
const ATTRIBUTE_VERBS = new Set(
  "is are was were runs run has have uses use involves takes starts begins includes".split(" "),
);
const FAVOURITE = new Set(["favourite", "favorite", "fave"]);

/** "The user's sister is named Anna." for a relation mentioned with its name. */
export const nameFact = (r: Relation): ClauseFact =>
  fact("identity", `${r.name ? r.phrase.slice(0, -(r.name.length + 1)) : r.phrase} is named ${r.name ?? ""}`);

const INTENSIFIERS = new Set(
  "not very really quite pretty so also still now currently always never".split(" "),
);
const PLACE_WORDS = new Set("from in on at based originally named called married a an the".split(" "));

/**
 * Whether what follows "is" describes the relation durably ("84", "a pharmacist",
 * "from Mexico", "allergic to eggs", "gluten-free") rather than a passing state
 * ("stubborn today", "not impressed", "limping").
 */
function durableComplement(comp: readonly string[]): boolean {
  let k = 0;
  while (k < comp.length - 1 && INTENSIFIERS.has(bare(comp[k]))) k += 1;
  const head = bare(comp[k]);
  if (/^\d/.test(head) || isName(comp[k]) || DURABLE_ADJECTIVES.has(head)) return true;
  if (head === "a" || head === "an") return !["bit", "little", "lot"].includes(bare(comp[k + 1]));
  if (PLACE_WORDS.has(head)) return true;
  return head.endsWith("ing") && (ONGOING.has(head) || DATED.test(comp.join(" ")));
}

/** A relation's statement ("my sister Anna lives in Lyon"), `rest` starting at its verb. */
function relationFacts(subject: string, rest: readonly string[], ctx: ClauseContext): ClauseFact[] {
  let v = 0;
  while (v < rest.length - 1 && v < 3 && ADVERBS.has(bare(rest[v]))) v += 1;
  if (REPORTED_VERBS.has(bare(rest[v])) || SKIP_VERBS.has(bare(rest[v]))) return [];
  const verb = bare(rest[0]);
  if (!verb) return [];
  if ((verb === "is" || verb === "was") && ["named", "called"].includes(bare(rest[1]))) {
    return isName(rest[2]) ? [fact("identity", `${subject} is named ${word(rest[2])}`)] : [];
  }
  const after = rest.slice(1);
  if (["is", "are", "was", "were"].includes(verb) && !durableComplement(after)) return [];
  const object = objectText(after, ctx);
  if (object === null) return [];
  const base = verb.replace(/(?:es|s)$/, "");
  const words = after.map((t) => bare(t));
  let kind: Kind = "fact";
  if (PREFERENCE_VERBS.has(base) || PREFERENCE_VERBS.has(verb.replace(/s$/, ""))) kind = "preference";
  else if (words.some((w) => DIET_WORDS.has(w)) && (verb === "is" || words.includes("not")))
    kind = "preference";
  else if (verb === "turns" || verb === "turned") kind = "identity";
  return [fact(kind, `${subject} ${word(rest[0])} ${object}`)];
}

/**
 * An attribute's statement: "my name is Priya", "my favourite colour is now green",
 * "her birthday is on May 14", "my laptop runs Ubuntu". `owner` is "The user's" or a
 * relation's possessive; `tokens` start after it.
 */
function attributeFacts(owner: string, tokens: readonly string[], ctx: ClauseContext): ClauseFact[] {
  let j = 1;
  while (j < tokens.length && j <= 5 && !ATTRIBUTE_VERBS.has(bare(tokens[j]))) j += 1;
  if (j >= tokens.length || j > 5) return [];
  const np = tokens.slice(0, j).map((t) => word(t));
  const head = bare(np.at(-1));
  const verb = bare(tokens[j]);
  let rest = tokens.slice(j + 1);
  if (rest.length === 0) return [];
  const favourite = FAVOURITE.has(bare(np[0]));
  if (head === "name" && np.length === 1 && verb === "is") {
    const names = rest.filter((t) => isName(t)).slice(0, 2);
    if (names.length === 0 || !isName(rest[0])) return [];
    const who = owner === "The user's" ? "The user's name is" : `${owner.slice(0, -2)} is named`;
    return [fact("identity", `${who} ${names.map((t) => word(t)).join(" ")}`)];
  }
  let kind: Kind;
  if (favourite) kind = "preference";
  else if (ATTRIBUTES.has(head)) kind = EVENT_ATTRIBUTES.has(head) ? "fact" : "identity";
  else if (DEVICES.has(head) && (verb !== "is" || ["a", "an"].includes(bare(rest[0])))) kind = "identity";
  else return [];
  let verbText = word(tokens[j]);
  if (verb === "is" && bare(rest.at(-1)) === "now" && rest.length > 1) {
    // "my favourite colour is green now" → "… is now green": the new value reads clearly.
    verbText = "is now";
    rest = rest.slice(0, -1);
  }
  const object = objectText(rest, ctx);
  if (object === null) return [];
  return [fact(kind, `${owner} ${np.join(" ")} ${verbText} ${object}`)];
}

/** A clause opening with "my" or "our": a relation's statement or an attribute's. */
export function possessiveClause(tokens: readonly string[], ctx: ClauseContext): ClauseResult {
  const found = relationAt(tokens, 0);
  if (!found) return { facts: attributeFacts("The user's", tokens.slice(1), ctx) };
  const { relation, end, possessive } = found;
  if (possessive) {
    const facts = attributeFacts(`${relation.phrase}'s`.replace(/^the/, "The"), tokens.slice(end), ctx);
    return { facts };
  }
  const subject = relation.phrase.replace(/^the/, "The");
  if (bare(tokens[end]) === "and" && bare(tokens[end + 1]) === "i") {
    const rest = tokens.slice(end + 2);
    const verb = bare(rest[0]);
    if (!verb || SKIP_VERBS.has(verb) || REPORTED_VERBS.has(verb)) return NONE;
    const kind: Kind = PREFERENCE_VERBS.has(verb) ? "preference" : "fact";
    return { facts: [fact(kind, `The user and ${relation.phrase} ${rewritePronouns(rest.join(" "))}`)] };
  }
  // The relation's name, if any, is added by the caller from the relation memory.
  return { facts: relationFacts(subject, tokens.slice(end), ctx) };
}

/** "She lives in Leeds", "Her name is Biscuit": the pronoun read as the latest relation. */
export function pronounClause(tokens: readonly string[], ctx: ClauseContext): ClauseResult {
  const pronoun = bare(tokens[0]);
  const relation = ctx.relations.resolve(pronoun);
  if (!relation) return NONE;
  const subject = relation.phrase.replace(/^the/, "The");
  if (pronoun === "his" || pronoun === "her") {
    return { facts: attributeFacts(`${subject}'s`, tokens.slice(1), ctx) };
  }
  return { facts: relationFacts(subject, tokens.slice(1), ctx) };
}
