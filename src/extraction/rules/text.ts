import { IRREGULAR_PAST, LEADING_FILLERS, NOT_NAMES } from "./lexicon.js";

const WORDISH = /[\p{L}\p{N}']/u;

/** `text` without the characters of `strip` at its end (a loop, not an end-anchored regex). */
export function trimEnd(text: string, strip: RegExp): string {
  let end = text.length;
  while (end > 0 && strip.test(text.charAt(end - 1))) end -= 1;
  return text.slice(0, end);
}

/** Letters, digits and apostrophes: ASCII by char code, the rest by a Unicode test. */
function wordish(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 39;
  return WORDISH.test(ch);
}

/** A token lower-cased, without surrounding punctuation. */
export function bare(token: string | undefined): string {
  const t = token ?? "";
  let a = 0;
  while (a < t.length && !wordish(t.charAt(a))) a += 1;
  let b = t.length;
  while (b > a && !wordish(t.charAt(b - 1))) b -= 1;
  return (a === 0 && b === t.length ? t : t.slice(a, b)).toLowerCase();
}

const CONTRACTION =
  /\b([A-Za-z]{1,12})'(m|ve|d|ll|re|s|t)\b|\b(dont|doesnt|didnt|cant|wont|isnt|arent|wasnt|im)\b/gi;
const S_IS = new Set(["he", "she", "it", "that", "there", "what", "name"]);
const D_WOULD = new Set(["i", "we", "you", "they", "he", "she"]);
const BARE_FORMS: Record<string, string> = {
  dont: "do not",
  doesnt: "does not",
  didnt: "did not",
  cant: "cannot",
  wont: "will not",
  isnt: "is not",
  arent: "are not",
  wasnt: "was not",
  im: "I am",
};

/** Expands contractions ("I'm" → "I am", "don't" → "do not"); apostrophes made straight. One pass. */
export function expandContractions(text: string): string {
  const straight = text.includes("’") || text.includes("‘") ? text.replace(/[’‘]/g, "'") : text;
  return straight.replace(
    CONTRACTION,
    (m, base: string | undefined, suffix: string | undefined, bareForm, at, all) => {
      if (bareForm) return BARE_FORMS[String(bareForm).toLowerCase()] ?? m;
      const b = (base ?? "").toLowerCase();
      const subject = b === "i" ? "I" : (base ?? "");
      switch ((suffix ?? "").toLowerCase()) {
        case "t":
          if (b === "can") return "cannot";
          if (b === "won") return "will not";
          return b.endsWith("n") ? `${(base ?? "").slice(0, -1)} not` : m;
        case "m":
          return b === "i" ? "I am" : m;
        case "ve":
          return `${subject} have`;
        case "re":
          return `${subject} are`;
        case "ll":
          return `${subject} will`;
        case "d":
          return D_WOULD.has(b) ? `${subject} would` : m;
        default: {
          if (!S_IS.has(b)) return m;
          const after = String(all)
            .slice(Number(at) + m.length, Number(at) + m.length + 6)
            .toLowerCase();
          return /^ (?:been|got|had)\b/.test(after) ? `${base} has` : `${base} is`;
        }
      }
    },
  );
}

/** Phrases indexed by their first (or last) word, so a clause's ends are checked in O(1). */
function phraseIndex(list: string, byLast: boolean): Map<string, string[][]> {
  const index = new Map<string, string[][]>();
  for (const phrase of list.split("|").map((p) => p.split(" "))) {
    const key = (byLast ? phrase.at(-1) : phrase[0]) ?? "";
    index.set(key, [...(index.get(key) ?? []), phrase]);
  }
  return index;
}
const TRAILING = phraseIndex(
  "haha|hah|hehe|lol|lmao|xd|too|as well|though|by the way|btw|honestly|obviously|if that matters|if possible|to be honest|tbh|anyway|for sure|really|either|always have been|always has been",
  true,
);
const TRAILING_HEDGES = phraseIndex("i guess|i think|probably|maybe", true);
const LEADING = phraseIndex(
  "by the way|to be honest|in fact|fun fact|just so you know|for the record|as i said|like i said|you know|no way|not really|oh well|good to know|thank you|thanks a lot|before we start",
  false,
);
const HEDGE_LEAD = phraseIndex(
  "i think|i guess|i suppose|i believe|probably|maybe|perhaps|pretty sure",
  false,
);

export interface Cleaned {
  text: string;
  hedged: boolean;
  now: boolean;
}

/** Does `words[at…]` spell `phrase`? */
const spells = (words: readonly string[], at: number, phrase: readonly string[]) =>
  phrase.every((p, k) => words[at + k] === p);

/**
 * Strips discourse fillers at both ends ("Yes, …", "… haha", "by the way"); notes hedges
 * ("I think …", "… probably") and a leading "now" ("now I work at …"). Word by word.
 */
export function cleanClause(clause: string): Cleaned {
  const tokens = tokenize(clause);
  const lower = tokens.map((t) => bare(t));
  let start = 0;
  let end = tokens.length;
  let hedged = false;
  let now = false;
  const endsWith = (phrase: readonly string[]) =>
    end - phrase.length > start && spells(lower, end - phrase.length, phrase);
  const startsWith = (phrase: readonly string[], strict: boolean) =>
    spells(lower, start, phrase) && start + phrase.length + (strict ? 1 : 0) <= end;
  for (let round = 0; round < 12 && start < end; round++) {
    const before = end - start;
    while (end > start && lower[end - 1] === "") end -= 1;
    const last = lower[end - 1] ?? "";
    const laugh = /^(?:ha){2,8}h?$/.test(last);
    const tail = laugh ? [last] : TRAILING.get(last)?.find(endsWith);
    const hedgeTail = tail ? undefined : TRAILING_HEDGES.get(last)?.find(endsWith);
    if (tail) end -= tail.length;
    else if (hedgeTail) {
      end -= hedgeTail.length;
      hedged = true;
    }
    const lead = LEADING.get(lower[start] ?? "")?.find((p) => startsWith(p, false));
    if (lead) start += lead.length;
    const hedge = HEDGE_LEAD.get(lower[start] ?? "")?.find((p) => startsWith(p, true));
    if (hedge) {
      hedged = true;
      start += hedge.length + (lower[start + hedge.length] === "that" ? 1 : 0);
    }
    const w = lower[start] ?? "";
    if (LEADING_FILLERS.has(w) || w === "") start += 1;
    else if ((w === "now" || w === "nowadays") && lower[start + 1] === "i") {
      now = true;
      start += 1;
    }
    if (end - start === before) break;
  }
  const text = trimEnd(tokens.slice(start, Math.max(start, end)).join(" "), END_PUNCTUATION);
  return { text, hedged, now };
}
const END_PUNCTUATION = /[\s,.!?;:]/;

const PRONOUNS =
  /\b(?:I am|I was|I have|I do|I|me|my|mine|myself|you|your|yours|yourself|we|us|our|ours|ourselves)\b/gi;

/**
 * Rewrites first- and second-person pronouns inside a captured object so the fact
 * stands alone: my → the user's, me/I → the user, you → the assistant.
 * `assistantPossessive` is how "your" reads ("the assistant's", or "its" in an instruction).
 */
export function rewritePronouns(text: string, assistantPossessive = "the assistant's"): string {
  return text.replace(PRONOUNS, (m) => {
    const w = m.toLowerCase();
    if (w === "i am") return "the user is";
    if (w === "i was") return "the user was";
    if (w === "i have") return "the user has";
    if (w === "i do") return "the user does";
    if (w === "i" || w === "me") return "the user";
    if (w === "my" || w === "mine" || w === "our" || w === "ours") return "the user's";
    if (w === "myself" || w === "ourselves") return "themselves";
    if (w === "you" || w === "yourself") return "the assistant";
    if (w === "your" || w === "yours") return assistantPossessive;
    return "the user's family";
  });
}

const MODALS = new Set("can cannot could will would shall should may might must".split(" "));
const IRREGULAR_PRESENT: Record<string, string> = {
  be: "is",
  am: "is",
  are: "is",
  have: "has",
  do: "does",
  go: "goes",
};

/** True for a past-tense form ("moved", "went"); "need" and "feed" are present. */
export function isPast(verb: string): boolean {
  const v = verb.toLowerCase();
  return IRREGULAR_PAST.has(v) || /[^e]ed$/.test(v) || /ied$/.test(v);
}

/** The third-person singular of a first-person verb form ("like" → "likes", "study" → "studies"). */
export function thirdPerson(verb: string): string {
  const v = verb.toLowerCase();
  const irregular = IRREGULAR_PRESENT[v];
  if (irregular) return irregular;
  if (MODALS.has(v) || isPast(v)) return verb;
  if (/[^aeiou]y$/.test(v)) return `${verb.slice(0, -1)}ies`;
  if (/(?:s|sh|ch|x|z|o)$/.test(v)) return `${verb}es`;
  return `${verb}s`;
}

/** A capitalised word that reads as a name ("Anna", not "The" or "June"). */
export function isName(token: string | undefined): boolean {
  const t = word(token);
  return /^\p{Lu}[\p{L}'-]{1,30}$/u.test(t) && !NOT_NAMES.has(t.toLowerCase());
}

/** The words of a clause, punctuation kept on the words. */
export const tokenize = (text: string) => text.split(/\s+/).filter((t) => t.length > 0);

/** A token without trailing punctuation, case kept. */
export const word = (token: string | undefined) => trimEnd(token ?? "", /[,.!?;:"')\]]/);

/** A finished fact: spaces collapsed, first letter capitalised, one final full stop. */
export function finish(text: string): string {
  const t = trimEnd(text.replace(/\s+/g, " ").replace(/ ([,.;:!?])/g, "$1"), /[\s,;:.!?\-–—]/).trim();
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}.`;
}
