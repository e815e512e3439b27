import { beFacts, haveFacts } from "./complements.js";
import { type ClauseContext, type ClauseResult, fact, type Kind, objectText } from "./facts.js";
import {
  CHANGE_VERBS,
  DATED,
  DIET_WORDS,
  FREQUENCY,
  HISTORY_VERBS,
  LIGHT_VERBS,
  PREFERENCE_VERBS,
  SKIP_VERBS,
} from "./lexicon.js";
import { adverbsAt, coordinate, join, type Parts, parts } from "./parts.js";
import { bare, isPast, rewritePronouns, thirdPerson } from "./text.js";

const PERFECT_SKIP = new Set("had done seen tried made heard thought wondered meant".split(" "));
const BEEN_SKIP = new Set("thinking meaning trying feeling wondering looking waiting there".split(" "));
const ONE_OFF = new Set(
  "book order buy cancel know ask get see return check change make find schedule reserve speak talk try add have go hear".split(
    " ",
  ),
);
const CAN_FACT = new Set(
  "speak code program play swim drive cook read ride run lift type sing dance".split(" "),
);
const CANNOT_DIET = new Set("eat drink have tolerate digest".split(" "));
const HAD_EVENT =
  /^(?:an? )?(?:surgery|operation|baby|stroke|heart attack|accident|transplant|c-section|my \S{1,30} (?:removed|replaced))/i;
const GOT_EVENT = new Set("married engaged divorced promoted hired fired laid".split(" "));
const TEAM_VERBS = new Set("use deploy run build host ship develop write code migrate rely work".split(" "));
const EMPHASISED = new Set(
  "like love want need have know think use live work eat drink enjoy prefer hate feel believe speak play own go take run try".split(
    " ",
  ),
);
/** A first-person clause ("I …"), `tokens` without the leading "I". */
export function firstPerson(tokens: readonly string[], ctx: ClauseContext): ClauseResult {
  const p = parts(tokens, ctx.now);
  p.rest = coordinate(p.rest);
  const main = bare(p.main);
  const none: ClauseResult = { facts: [] };
  if (!main) return none;
  const S = "The user";
  const obj = () => objectText(p.rest, ctx);
  const withObject = (kind: Kind, verbPhrase: string, object = obj()): ClauseResult =>
    object === null ? none : { facts: [fact(kind, join(S, verbPhrase, object))], object };

  switch (p.aux) {
    case "am":
      return { facts: beFacts(p, S, "is") };
    case "was": {
      if (!["born", "raised", "a", "an", "at", "in", "diagnosed"].includes(main) || p.neg) return none;
      return withObject("identity", join(p.before, "was", p.after, p.main), obj());
    }
    case "have": {
      if (main === "got" && !p.neg) {
        const [, i] = adverbsAt(p.rest, 0);
        return haveFacts(p.rest.slice(i), p, ctx);
      }
      if (main === "been") {
        const next = bare(p.rest[0]);
        if (BEEN_SKIP.has(next) || !next) return none;
        const kind = DIET_WORDS.has(next) ? "preference" : "fact";
        return withObject(kind, join(p.before, "has", p.after, p.neg && "not", "been"));
      }
      if (isPast(main) || /en$/.test(main) || ["run", "read", "used", "known", "got"].includes(main)) {
        if (PERFECT_SKIP.has(main) || SKIP_VERBS.has(main)) return none;
        const kind = ["loved", "liked", "hated", "enjoyed", "preferred"].includes(main)
          ? "preference"
          : "fact";
        return withObject(kind, join(p.before, "has", p.after, p.neg && "not", p.main));
      }
      if (p.neg) return none;
      return haveFacts([p.main, ...p.rest], p, ctx);
    }
    case "had":
      return HAD_EVENT.test([p.main, ...p.rest].join(" "))
        ? withObject("fact", join(p.before, "had", p.main))
        : none;
    case "would": {
      if (!["like", "love", "prefer", "rather", "hate", "enjoy"].includes(main)) return none;
      const next = bare(p.rest[0]);
      if (next === "you") return none;
      if (next === "to" && ONE_OFF.has(bare(p.rest[1]))) return none;
      // "I would like X" is a want: "The user wants X".
      const verb = main === "like" && !p.neg ? "wants" : join("would", p.after, p.neg && "not", p.main);
      return withObject("preference", join(p.before, verb));
    }
    case "will":
      if (p.neg || SKIP_VERBS.has(main) || !DATED.test(p.rest.join(" "))) return none;
      return withObject("fact", join(p.before, "will", p.after, p.main));
    case "can":
    case "cannot":
    case "could": {
      const negated = p.aux === "cannot" || p.neg;
      if (p.aux === "could") return none;
      if (negated && main === "stand") return withObject("preference", join(p.before, "cannot stand"));
      if (negated && CANNOT_DIET.has(main)) return withObject("preference", join(p.before, "cannot", p.main));
      if (negated && main === "take") return withObject("fact", join(p.before, "cannot", p.main));
      const only = p.after.includes("only") || p.before.includes("only");
      if (!CAN_FACT.has(main) && !only && !FREQUENCY.test(p.rest.join(" "))) return none;
      return withObject("fact", join(p.before, negated ? "cannot" : "can", p.after, p.main));
    }
    case "do":
    case "does": {
      if (!p.neg) {
        // "I do like jazz" (emphatic) or "I do all the cooking" ("do" is the verb).
        if (EMPHASISED.has(main)) return plain({ ...p, aux: "" }, ctx);
        return plain({ ...p, aux: "", main: "do", mainRaw: "do", rest: [p.mainRaw, ...p.rest] }, ctx);
      }
      if (SKIP_VERBS.has(main) || (LIGHT_VERBS.has(main) && main !== "have")) return none;
      const restText = p.rest.map((t) => bare(t)).join(" ");
      const diet = DIET_WORDS.has(main) || CANNOT_DIET.has(main);
      const kind: Kind = PREFERENCE_VERBS.has(main) || diet ? "preference" : "fact";
      if (/(?:^| )any ?more$/.test(restText)) {
        const kept = p.rest.slice(0, bare(p.rest.at(-1)) === "more" ? -2 : -1);
        const object = objectText(kept, ctx);
        if (object === null) return none;
        return {
          facts: [fact(kind, join(S, p.before, "no longer", p.after, thirdPerson(p.main), object))],
          object,
        };
      }
      return withObject(kind, join(p.before, "does not", p.after, p.main));
    }
    case "":
      return plain(p, ctx);
    default:
      return none;
  }
}

/** "I <verb> …" with no auxiliary. */
function plain(p: Parts, ctx: ClauseContext): ClauseResult {
  const none: ClauseResult = { facts: [] };
  const main = bare(p.main);
  const restText = p.rest.join(" ");
  if (main === "used" && bare(p.rest[0]) === "to") {
    // A past habit: nothing to keep, but "it" in the next clause means its object.
    const object = p.rest.slice(2).join(" ");
    return object ? { facts: [], object: rewritePronouns(object) } : none;
  }
  if (main === "have" || main === "has") return haveFacts(p.rest, p, ctx);
  // A bare verb ("I swim") says little; with an adverb ("I no longer run") it is a change.
  if (p.rest.length === 0 && p.before.length === 0) return none;
  const habit = FREQUENCY.test(restText) || p.before.some((a) => FREQUENCY.test(a));
  const dated = DATED.test(restText);
  if (SKIP_VERBS.has(main)) return none;
  let kind: Kind = "fact";
  if (PREFERENCE_VERBS.has(main)) {
    // "I love your tips" is a compliment to the assistant, not a fact about the user.
    if (p.rest.length === 0 || ["you", "your", "yours"].includes(bare(p.rest[0]))) return none;
    kind = "preference";
  } else if (main === "got") {
    if (!GOT_EVENT.has(bare(p.rest[0]))) return none;
  } else if (main === "had") {
    if (!HAD_EVENT.test(restText)) return none;
  } else if (isPast(main)) {
    if (!CHANGE_VERBS.has(main) && !dated && !habit) return none;
    if (HISTORY_VERBS.has(main)) kind = "identity";
    if (p.rest.some((t) => DIET_WORDS.has(bare(t)))) kind = "preference";
  } else if (LIGHT_VERBS.has(main) && !habit && !dated) return none;
  else if ((main === "eat" || main === "drink") && (p.before.includes("only") || p.neg)) kind = "preference";
  else if (main === "live" || main === "work") kind = "identity";
  const object = objectText(p.rest, ctx);
  if (object === null) return none;
  const verb = isPast(main) ? p.main : thirdPerson(p.main);
  return { facts: [fact(kind, join("The user", p.before, p.after, verb, object))], object };
}

/** "We …": the user's team for tools and work, the user and their family otherwise. */
export function weClause(tokens: readonly string[], ctx: ClauseContext): ClauseResult {
  const p = parts(tokens, ctx.now);
  const main = bare(p.main);
  if (!main || p.neg) return { facts: [] };
  if (p.aux === "" && TEAM_VERBS.has(main)) {
    const object = objectText(p.rest, ctx);
    if (object === null) return { facts: [] };
    return { facts: [fact("fact", join("The user's team", p.before, thirdPerson(p.main), object))], object };
  }
  if (main === "are" || p.aux === "am") {
    const be = main === "are" ? parts(p.rest, false) : p;
    if (main === "are" && !be.main) return { facts: [] };
    return {
      facts: beFacts(
        { ...be, before: p.before, neg: p.neg || be.neg },
        "The user and their family",
        "are",
        true,
      ),
    };
  }
  if (p.aux && p.aux !== "have") return { facts: [] };
  if (SKIP_VERBS.has(main) && main !== "have") return { facts: [] };
  const restText = p.rest.join(" ");
  if (LIGHT_VERBS.has(main) && main !== "have" && !FREQUENCY.test(restText) && !DATED.test(restText)) {
    return { facts: [] };
  }
  if (isPast(main) && !CHANGE_VERBS.has(main) && !DATED.test(restText)) return { facts: [] };
  const object = objectText(p.rest, ctx);
  if (object === null) return { facts: [] };
  const kind: Kind = PREFERENCE_VERBS.has(main) ? "preference" : "fact";
  const verb = p.aux === "have" ? `have ${p.main}` : p.main;
  return { facts: [fact(kind, join("The user and their family", p.before, p.after, verb, object))], object };
}
