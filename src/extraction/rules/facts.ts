import type { MemoryCategory } from "../../memory/categories.js";
import { DATED, FREQUENCY } from "./lexicon.js";
import type { RelationMemory } from "./relations.js";
import { bare, finish, rewritePronouns } from "./text.js";

/** A fact found in one clause, before it is given its turn and confidence. */
export interface ClauseFact {
  content: string;
  category: MemoryCategory;
}

export interface ClauseResult {
  facts: ClauseFact[];
  /** What the clause was about ("spicy food"), for an "it" in the next clause of the sentence. */
  object?: string;
}

export interface ClauseContext {
  relations: RelationMemory;
  /** The object of the previous first-person clause of the same sentence. */
  prevObject?: string;
  /** The clause opened with "now" ("now I work at …"). */
  now: boolean;
}

/**
 * The kind of statement a rule recognised: a preference, an identity fact (home, work,
 * name: factual even when dated) or another fact, whose category then depends on its
 * habit or date markers.
 */
export type Kind = "preference" | "identity" | "fact";

export function categorize(kind: Kind, text: string): MemoryCategory {
  if (kind === "preference") return "preference";
  if (FREQUENCY.test(text)) return "behavioral";
  if (kind === "identity") return "factual";
  if (DATED.test(text)) return "episodic";
  return "factual";
}

export const fact = (kind: Kind, content: string): ClauseFact => {
  const text = finish(content);
  return { content: text, category: categorize(kind, text) };
};

const OBJECT_PRONOUNS = new Set(["it", "them", "these", "those", "this", "that"]);
const DEMONSTRATIVES = new Set(["these", "those", "this", "that"]);
const AFTERWORDS = new Set(["now", "too", "a", "lot", "so", "much", "very", "really", "anymore", "again"]);
/** Words after "this"/"that" that show it stands alone ("I love this!", "I use that for work"). */
const FUNCTION_WORDS = new Set(
  "for on in at with to from by of about as so too now and but or because every each all a an the is was".split(
    " ",
  ),
);

const REPLIES = new Set(
  "idea ideas one ones suggestion suggestions option options plan approach answer tip tips".split(" "),
);

/** "it", "them", or "this"/"that" used as a pronoun rather than a determiner ("this flat"). */
function isPronounObject(rest: readonly string[]): boolean {
  const head = bare(rest[0]);
  if (!OBJECT_PRONOUNS.has(head)) return false;
  if (!DEMONSTRATIVES.has(head)) return true;
  const next = bare(rest[1]);
  // "that idea", "this one": the assistant's suggestion, not a thing of the user's.
  return next === "" || FUNCTION_WORDS.has(next) || AFTERWORDS.has(next) || REPLIES.has(next);
}

/**
 * The words after a verb, made self-contained: first/second person rewritten, "him"
 * or "her" read as the relation they refer to, a lone "it" replaced by the previous
 * clause's object. Null when the object is a pronoun that cannot be resolved, since
 * "The user loves it." would mean nothing on its own.
 */
export function objectText(rest: readonly string[], ctx: ClauseContext): string | null {
  const head = bare(rest[0]);
  if (isPronounObject(rest)) {
    const tail = rest.slice(1).every((t) => AFTERWORDS.has(bare(t)));
    if (!ctx.prevObject || !tail || bare(rest[1]) === "that") return null;
    return [ctx.prevObject, ...rest.slice(1)].join(" ");
  }
  if (head === "him" || head === "her") {
    const relation = ctx.relations.resolve(head);
    if (!relation) return null;
    return [relation.phrase, rewritePronouns(rest.slice(1).join(" "))].join(" ");
  }
  return rewritePronouns(rest.join(" "));
}
