import { ADVERBS } from "./lexicon.js";
import { bare, isName, thirdPerson, word } from "./text.js";

/** Auxiliaries read after "I" ("I am", "I have", "I don't", "I can"). */
const AUX = new Set(
  "am was have had would will do does did can cannot could should might may must shall".split(" "),
);

export interface Parts {
  before: string[];
  aux: string;
  after: string[];
  neg: boolean;
  main: string;
  /** The main word as written, punctuation kept ("29,"). */
  mainRaw: string;
  rest: string[];
}

export function adverbsAt(tokens: readonly string[], from: number): [string[], number] {
  const out: string[] = [];
  let i = from;
  while (i < tokens.length && out.length < 4) {
    const w = bare(tokens[i]);
    if (w === "no" && bare(tokens[i + 1]) === "longer") {
      out.push("no longer");
      i += 2;
    } else if ((w === "kind" || w === "sort") && bare(tokens[i + 1]) === "of") i += 2;
    else if (ADVERBS.has(w) && w !== "kind" && w !== "sort") {
      out.push(word(tokens[i]));
      i += 1;
    } else break;
  }
  return [out, i];
}

const OBJECT_STARTS = new Set(
  "it them him her the a an my our to on in at with for every up down out off some this that these those".split(
    " ",
  ),
);

/**
 * "… and park it on the street" → "… and parks it on the street": a second verb
 * sharing the subject "I" is put in the third person too. A word counts as a verb when
 * it directly follows "and" (or "and" + adverb) and an object or particle follows it.
 */
export function coordinate(rest: readonly string[]): string[] {
  return rest.map((t, i) => {
    const prev = bare(rest[i - 1]);
    if (prev !== "and" && !(ADVERBS.has(prev) && bare(rest[i - 2]) === "and")) return t;
    const w = bare(t);
    if (!/^[a-z]+$/.test(t) || /(?:s|ed|ing|ly)$/.test(w) || ADVERBS.has(w) || OBJECT_STARTS.has(w)) return t;
    const next = rest[i + 1];
    return OBJECT_STARTS.has(bare(next)) || isName(next) ? thirdPerson(t) : t;
  });
}

/** Subject "I" removed: adverbs, auxiliary, negation, main word, the rest. */
export function parts(tokens: readonly string[], now: boolean): Parts {
  const [before, i0] = adverbsAt(tokens, 0);
  if (now && !before.includes("now")) before.unshift("now");
  let i = i0;
  let aux = bare(tokens[i]);
  if (AUX.has(aux)) i += 1;
  else aux = "";
  const [after1, i1] = adverbsAt(tokens, i);
  i = i1;
  let neg = false;
  if (bare(tokens[i]) === "not") {
    neg = true;
    i += 1;
  }
  const [after2, i2] = adverbsAt(tokens, i);
  i = i2;
  const mainRaw = tokens[i] ?? "";
  return {
    before,
    aux,
    after: [...after1, ...after2],
    neg,
    main: word(mainRaw),
    mainRaw,
    rest: tokens.slice(i + 1),
  };
}

export const join = (...xs: (string | string[] | false | undefined)[]) =>
  xs.flatMap((x) => (x === false || x === undefined ? [] : Array.isArray(x) ? x : [x])).join(" ");
