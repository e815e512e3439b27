import {
  type ClauseContext,
  type ClauseFact,
  type ClauseResult,
  fact,
  type Kind,
  objectText,
} from "./facts.js";
import {
  DATED,
  DIET_WORDS,
  DURABLE_ADJECTIVES,
  ONGOING,
  PREFERENCE_ADJECTIVES,
  PREFERENCE_VERBS,
  SKIP_VERBS,
} from "./lexicon.js";
import { join, type Parts } from "./parts.js";
import { bare, isName, rewritePronouns, word } from "./text.js";

const HAVE_SKIP =
  /^(?:a (?:question|quick|problem|feeling|look|go|headache|cold|meeting|call|lot|few|couple)|an? (?:issue|idea|doubt|error|bug)|questions?|problems?|issues?|no |to |some questions|one more|time|it|them|that|this|got to)/i;
const INTENSIFIERS = new Set(
  "pretty very quite really totally severely mildly slightly super extremely so currently now still also originally probably definitely maybe hopefully".split(
    " ",
  ),
);
const ROLE_AFTER_THE = new Set(
  "only main sole lead head primary oldest youngest eldest middle first founder owner ceo cto manager".split(
    " ",
  ),
);
const A_SKIP = new Set("bit little lot mess wreck huge big total complete".split(" "));

/**
 * "I am …" (or "we are …", `plural`): age, name, role, origin, durable adjectives,
 * ongoing situations.
 */
export function beFacts(p: Parts, subject: string, verb: string, plural = false): ClauseFact[] {
  const all = [p.mainRaw, ...p.rest];
  let k = 0;
  const lead: string[] = [];
  while (k < all.length - 1 && INTENSIFIERS.has(bare(all[k]))) lead.push(word(all[k++]));
  const head = bare(all[k]);
  const comp = all.slice(k);
  const compText = rewritePronouns(comp.join(" "));
  const say = (kind: Kind, text = compText) =>
    fact(kind, join(subject, p.before, verb, p.after, lead, p.neg && "not", text));
  if (/^\d{1,3}$/.test(head) && Number(head) > 0 && Number(head) < 120 && !p.neg && !plural) {
    const unit = bare(comp[1]);
    if (comp.length === 1 || word(comp[0]) !== comp[0] || /^(?:years?|yrs?)$/.test(unit)) {
      return [fact("identity", `${subject} ${verb} ${head} years old`)];
    }
    // "I'm 20 weeks pregnant": a measure before a durable adjective.
    return comp.slice(1, 4).some((t) => DURABLE_ADJECTIVES.has(bare(t))) ? [say("fact")] : [];
  }
  if ((head === "called" || head === "named") && isName(comp[1]) && !p.neg && !plural) {
    return [fact("identity", `The user's name is ${word(comp[1])}`)];
  }
  if (
    comp.length <= 2 &&
    comp.every((t) => isName(t)) &&
    !DURABLE_ADJECTIVES.has(head) &&
    !p.neg &&
    !plural
  ) {
    return [fact("identity", `The user's name is ${comp.map((t) => word(t)).join(" ")}`)];
  }
  if (head === "a" || head === "an") {
    const second = bare(comp[1]);
    if (comp.length < 2 || A_SKIP.has(second)) {
      if ((second === "big" || second === "huge") && bare(comp[2]) === "fan") return [say("preference")];
      return [];
    }
    return [say(second === "fan" ? "preference" : "identity")];
  }
  if (head === "the") return ROLE_AFTER_THE.has(bare(comp[1])) && comp.length >= 3 ? [say("identity")] : [];
  if (head === "from" || head === "based" || head === "originally") return [say("identity")];
  if (head === "in" && comp.slice(1).some((t) => isName(t))) return [say("identity")];
  if (head === "on" && comp.length >= 2) {
    // "on a Mac", "on Windows", "on the 500 Mbps plan", "on a low-sodium diet"; not "on my way".
    const second = bare(comp[1]);
    const ok = second === "a" || second === "an" || (second === "the" && comp.length >= 3) || isName(comp[1]);
    if (!ok) return [];
    return [say(comp.some((t) => DIET_WORDS.has(bare(t)) || bare(t) === "diet") ? "preference" : "identity")];
  }
  if (DURABLE_ADJECTIVES.has(head)) {
    const next = bare(comp[1]);
    if (["good", "bad", "terrible", "rubbish", "hopeless", "great"].includes(head) && next !== "at")
      return [];
    if (head === "open" && next !== "to") return [];
    if (head === "interested" && next !== "in") return [];
    if (["afraid", "scared", "terrified"].includes(head) && next !== "of") return [];
    if (head === "new" && next !== "to") return [];
    const pref = PREFERENCE_ADJECTIVES.has(head) || DIET_WORDS.has(head) || head === "risk-averse";
    return [say(pref ? "preference" : "fact")];
  }
  if (head.endsWith("ing") && !p.neg) {
    const dated = DATED.test(compText);
    if (PREFERENCE_VERBS.has(head.slice(0, -3)) || PREFERENCE_VERBS.has(`${head.slice(0, -3)}e`)) {
      return comp.length > 1 ? [say("preference")] : [];
    }
    const plain = [
      "going",
      "doing",
      "getting",
      "taking",
      "running",
      "flying",
      "visiting",
      "moving",
      "starting",
    ];
    if (ONGOING.has(head) && (dated || !plain.includes(head))) return [say("fact")];
    if (dated && !SKIP_VERBS.has(head.slice(0, -3))) return [say("fact")];
  }
  return [];
}

/** "I have …" / "I've got …": possessions, conditions, relations; "my exam on July 25" as a date. */
export function haveFacts(object: readonly string[], p: Parts, ctx: ClauseContext): ClauseResult {
  const text = object.join(" ");
  if (object.length === 0 || HAVE_SKIP.test(text)) return { facts: [] };
  const mine = /^my (.{2,80}?) (on|in|at|next|this|tomorrow) (.{2,120})$/i.exec(text);
  if (mine && DATED.test(text)) {
    return { facts: [fact("fact", `The user's ${mine[1]} is ${mine[2]} ${mine[3]}`)] };
  }
  const rendered = objectText(object, ctx);
  if (rendered === null) return { facts: [] };
  return { facts: [fact("fact", join("The user", p.before, "has", rendered))], object: rendered };
}
