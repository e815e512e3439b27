import { IMPERATIVES, INSTRUCTION_MARKERS } from "./lexicon.js";
import { finish, isName, isPast, rewritePronouns, trimEnd } from "./text.js";

/** Words an instruction may open with before its verb. */
const PREFIX =
  /^(?:(?:and|also|so|just|please|kindly|from now on|going forward|in future|in the future|by default)\b[\s,]*){1,4}/i;
const DURABLE =
  /\b(?:always|never|from now on|going forward|in future|in the future|next time|every time|each time|by default)\b/i;
const PLEASE_END = /,?\s+(?:please|thanks|thank you)$/i;

const toAssistant = (text: string) => rewritePronouns(text, "its");
const CONSTRAINTS = new Set(["keep", "avoid", "limit", "stick"]);

/**
 * An instruction to the assistant about how to answer or work ("call me Sam",
 * "keep answers short", "please always show code in TypeScript", "no emojis please",
 * "can you explain step by step from now on?"), as "The user wants …". Null otherwise.
 * `original` is the clause before fillers were stripped (it may hold "from now on").
 */
export function instruction(clause: string, original: string): string | null {
  const text = trimEnd(clause.replace(PLEASE_END, "").replace(PLEASE_END, ""), /[\s,.!?]/);
  const callMe = /^(?:please\s+)?(?:just\s+)?call me\s+(.{2,100})$/i.exec(text);
  const names = callMe?.[1]?.match(/^(\S{1,40}?),?(?: not (\S{1,40}))?$/);
  if (names?.[1] && isName(names[1])) {
    return finish(`The user wants to be called ${names[1]}${names[2] ? `, not ${names[2]}` : ""}`);
  }
  const rather = /^i would rather you (.{3,300})$/i.exec(text);
  if (rather?.[1]) return finish(`The user would rather the assistant ${toAssistant(rather[1])}`);

  const wantYou = /^i (?:want|need|would like|would love|would prefer|expect) you to (.{3,300})$/i.exec(text);
  if (wantYou?.[1]) return finish(`The user wants the assistant to ${toAssistant(wantYou[1])}`);

  const canYou = /^(?:can|could|would|will) you (?:please )?(.{3,300})$/i.exec(text);
  if (canYou?.[1]) {
    return DURABLE.test(original)
      ? finish(`The user wants the assistant to ${toAssistant(canYou[1])}`)
      : null;
  }

  const no = /^(?:so\s+|and\s+)?(?:please\s+)?no (.{2,120})$/i.exec(text);
  if (no?.[1] && (PLEASE_END.test(clause) || /^(?:so\s+|and\s+)?please/i.test(text))) {
    return finish(`The user does not want ${toAssistant(no[1])}`);
  }

  const body = text.replace(PREFIX, "");
  const first = /^([A-Za-z']+)\s+(.{2,300})$/.exec(body);
  const verb = first?.[1]?.toLowerCase() ?? "";
  const rest = first?.[2] ?? "";
  if (!first || !(IMPERATIVES.has(verb) || verb === "do")) return null;
  const polite = /\bplease\b/i.test(original);
  // Constraints ("keep it under three minutes", "please don't …") are instructions as they stand;
  // other imperatives ("show me …") only when durable or about the form of answers.
  const constraint =
    CONSTRAINTS.has(verb) || (polite && (verb === "do" || verb === "don't" || verb === "dont"));
  if (!constraint && !INSTRUCTION_MARKERS.test(original)) return null;
  if ((verb === "never" || verb === "always") && isPast(rest.split(" ")[0] ?? "")) return null;
  if (verb === "do" || verb === "don't" || verb === "dont") {
    const neg = /^not\s+(.{2,300})$/i.exec(rest);
    const what = verb === "do" ? neg?.[1] : rest;
    return what ? finish(`The user does not want the assistant to ${toAssistant(what)}`) : null;
  }
  return finish(`The user wants the assistant to ${verb} ${toAssistant(rest)}`);
}
