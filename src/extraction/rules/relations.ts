import { FEMALE, GROUPS, MALE, NEUTRAL } from "./lexicon.js";
import { bare, isName, word } from "./text.js";

export type Gender = "female" | "male" | "neutral";

/** A relation of the user as a fact's subject reads: "the user's sister Anna". */
export interface Relation {
  noun: string;
  /** "the user's little sister Anna" */
  phrase: string;
  name?: string;
  gender: Gender;
}

export function genderOf(noun: string): Gender | "group" | null {
  if (FEMALE.has(noun)) return "female";
  if (MALE.has(noun)) return "male";
  if (NEUTRAL.has(noun)) return "neutral";
  if (GROUPS.has(noun)) return "group";
  if (/^\d{1,2}-year-old$/.test(noun)) return "neutral";
  return null;
}

const DETERMINERS = new Set(["my", "our", "a", "an"]);
const NAMING = new Set(["named", "called"]);

/**
 * A relation noun phrase starting at `tokens[at]` ("my", "our", "a", "an"), with up to
 * two modifiers and an optional name ("my little sister Anna", "a daughter, Anaya",
 * "a dog called Rex"). Returns the relation and the index after it.
 */
export function relationAt(
  tokens: readonly string[],
  at: number,
): { relation: Relation; end: number; possessive: boolean } | null {
  const det = bare(tokens[at]);
  if (!DETERMINERS.has(det)) return null;
  for (let k = at + 1; k <= at + 3 && k < tokens.length; k++) {
    const raw = bare(tokens[k]);
    const possessive = raw.endsWith("'s");
    const noun = possessive ? raw.slice(0, -2) : raw;
    const gender = genderOf(noun);
    if (gender === null) {
      // Modifiers are plain lower-case words ("little", "rescue", "5-year-old").
      if (!/^[a-z0-9-]+$/.test(word(tokens[k])) || DETERMINERS.has(raw)) return null;
      continue;
    }
    const mods = tokens.slice(at + 1, k).map((t) => word(t));
    let end = k + 1;
    let name: string | undefined;
    const next = tokens[end];
    if (!possessive && NAMING.has(bare(next)) && isName(tokens[end + 1])) {
      name = word(tokens[end + 1]);
      end += 2;
    } else if (
      !possessive &&
      isName(next) &&
      (det === "my" || det === "our" || word(tokens[k]) !== tokens[k])
    ) {
      name = word(next);
      end += 1;
    }
    const phrase = ["the user's", ...mods, noun, ...(name ? [name] : [])].join(" ");
    const relation: Relation = { noun, phrase, gender: gender === "group" ? "neutral" : gender };
    if (name) relation.name = name;
    if (gender === "group") return { relation: { ...relation, gender: "neutral" }, end, possessive };
    return { relation, end, possessive };
  }
  return null;
}

/**
 * The relations mentioned so far in the user's turns, so that "she" and "her" in a
 * later sentence can be read as "the user's sister Anna" (the latest relation of a
 * matching gender; neutral ones — partner, dog — match both).
 */
/** "a dog" is the user's only after these words ("we have a dog", "I adopted a cat"). */
const OWNING = new Set("have has got adopted adopt had with".split(" "));

export class RelationMemory {
  private latest: { relation: Relation; order: number }[] = [];
  private counter = 0;

  /**
   * Notes the relations a clause mentions, for later pronouns. Returns those the
   * clause names with "my"/"our" ("my sister Anna"), whose names are facts.
   */
  note(tokens: readonly string[]): Relation[] {
    const named: Relation[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const det = bare(tokens[i]);
      if ((det === "a" || det === "an") && !OWNING.has(bare(tokens[i - 1]))) continue;
      const found = relationAt(tokens, i);
      if (!found || GROUPS.has(found.relation.noun)) continue;
      if (found.relation.name && (det === "my" || det === "our")) named.push(found.relation);
      this.counter += 1;
      this.latest = this.latest.filter((r) => r.relation.gender !== found.relation.gender);
      this.latest.push({ relation: found.relation, order: this.counter });
      i = found.end - 1;
    }
    return named;
  }

  /** The relation "he", "him", "his", "she" or "her" most likely refers to. */
  resolve(pronoun: string): Relation | null {
    const p = pronoun.toLowerCase();
    const wanted: Gender | null = ["she", "her", "hers"].includes(p)
      ? "female"
      : ["he", "him", "his"].includes(p)
        ? "male"
        : null;
    if (!wanted) return null;
    let best: { relation: Relation; order: number } | null = null;
    for (const r of this.latest) {
      if (r.relation.gender !== wanted && r.relation.gender !== "neutral") continue;
      if (!best || r.order > best.order) best = r;
    }
    return best?.relation ?? null;
  }
}
