import { stem } from "../../embedding/text.js";
import { HOME, RULES, WORK } from "./subject-rules.js";

/**
 * What a statement is about: whose attribute, which attribute, and the value it gives
 * (ADR-0037, "Subject-aware candidates"). Two memories with the same `key` talk about
 * the same thing, however differently they are worded, and however far apart the
 * embedder puts them.
 */
export interface Subject {
  /**
   * `owner:attribute` for a single-valued attribute ("user:home", "sister:name",
   * "user:favourite colour"); `owner:attribute object` for a multi-valued one
   * ("user:allergy peanut"), so that two different allergies get two keys.
   */
  key: string;
  /** "user", a relation of the user ("sister", "dog rex") or a named person. */
  owner: string;
  attribute: string;
  /** The attribute holds one value at a time (lives in, works at, name, age, favourite X …). */
  single: boolean;
  /**
   * Known to be single-valued, for a known owner: a different value replaces the old one.
   * False for an attribute only the grammar calls single ("the user's project is …") and
   * for an unnamed relation that may be one of several ("the user's sister lives in …").
   */
  certain: boolean;
  /** Stemmed value words ("paris", "franc"); empty when the statement gives none. */
  value: string[];
  /** Stemmed words qualifying the value in the same clause ("after 3 pm" → 3, pm). */
  qualifier: string[];
  /** The statement denies or ends the fact: "no longer lives in", "is not allergic to", "hates". */
  negated: boolean;
  /** Negated by a marker ("not", "no longer", "stopped") rather than by a negative verb ("hates"). */
  negationMarker: boolean;
  /** An explicit change marker: "now", "switched to", "moved to", "no longer", "anymore" … */
  changed: boolean;
  /** An additive marker: "also", "as well", "too". */
  additive: boolean;
  /** Full-text anchors for candidate selection: an AND of OR-groups of plain words. */
  anchors: string[][];
}

interface Tok {
  w: string;
  cap: boolean;
}

const SPELLING: Record<string, string> = {
  favorite: "favourite",
  favorites: "favourites",
  fav: "favourite",
  color: "colour",
  colors: "colours",
  neighbor: "neighbour",
  neighbors: "neighbours",
  timezone: "time zone",
  hometown: "home town",
  fiancee: "fiance",
  mom: "mother",
  mum: "mother",
  dad: "father",
  kids: "children",
  kid: "child",
  boss: "manager",
  coworker: "colleague",
  travelled: "traveled",
};

const wordSet = (words: string) => new Set(words.split(" "));

/** Words whose "'s" means "is" ("she's"), not a possessive ("the user's"). */
const S_IS = new Set(["it", "he", "she", "that", "what", "there", "who", "this", "here"]);

function tokenize(content: string): Tok[] {
  const text = content
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .replace(/[’‘`´]/g, "'");
  const out: Tok[] = [];
  for (const m of text.matchAll(/\d+(?:[.,:]\d+)*|[\p{L}\p{N}]+(?:'\p{L}+)*'?|[,;.!?()[\]—–]/gu)) {
    const raw = m[0];
    if (/^[,;.!?()[\]—–]$/.test(raw)) {
      out.push({ w: ",", cap: false });
      continue;
    }
    const cap = /^\p{Lu}/u.test(raw);
    const possessive = /'s$/i.test(raw) || /s'$/i.test(raw);
    const base = raw.replace(/'s$/i, "").replace(/'$/, "").replace(/'/g, "").toLowerCase();
    for (const part of (SPELLING[base] ?? base).split(" ")) out.push({ w: part, cap });
    if (possessive) out.push(S_IS.has(base) ? { w: "is", cap: false } : { w: "'s", cap: false });
  }
  return out;
}

const RELATIONS = wordSet(
  "sister brother sibling siblings mother father parent parents wife husband partner spouse girlfriend " +
    "boyfriend fiance son daughter child children baby grandmother grandfather grandma grandpa grandson " +
    "granddaughter aunt uncle cousin niece nephew friend roommate flatmate neighbour manager mentor colleague " +
    "team company landlord doctor therapist dentist teacher dog cat pet puppy kitten horse",
);
const POSSESSIVE_PRONOUNS = wordSet("her his their my our");
const FUNCTION_WORDS = wordSet("the a an this that it they he she we i you");

/** Words dropped before matching: they qualify a statement without changing its subject. */
const DROPPED = wordSet(
  "also really usually still generally typically normally mostly actually definitely too now currently " +
    "nowadays anymore again recently just always often sometimes",
);
const CHANGE_WORDS = wordSet("now currently nowadays anymore again recently instead");
const CHANGE_PHRASES =
  /\b(?:switched to|switched from|moved to|changed to|has changed|no longer|any more|these days|has become|became)\b/;
const NEGATORS = wordSet("not never doesnt dont didnt isnt arent wasnt werent wont cannot cant stopped quit");

/** The predicate after the owner, with negations and qualifiers taken out and remembered. */
interface Predicate {
  toks: Tok[];
  /** Kept-token positions where a negation stood. */
  negAt: number[];
  changed: boolean;
  additive: boolean;
}

function cleanPredicate(toks: Tok[]): Predicate {
  const kept: Tok[] = [];
  const negAt: number[] = [];
  const text = toks.map((t) => t.w).join(" ");
  let changed = CHANGE_PHRASES.test(text);
  let additive = false;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Tok;
    const next = toks[i + 1]?.w;
    if ((t.w === "cant" || t.w === "cannot") && next === "stand") {
      kept.push(t);
      continue;
    }
    if ((t.w === "no" && (next === "longer" || next === "more")) || (t.w === "any" && next === "more")) {
      if (t.w === "no") negAt.push(kept.length);
      changed = true;
      i++;
      continue;
    }
    if (t.w === "used" && next === "to") {
      negAt.push(kept.length);
      changed = true;
      i++;
      continue;
    }
    if ((t.w === "does" || t.w === "do" || t.w === "did") && next === "not") {
      negAt.push(kept.length);
      i++;
      continue;
    }
    if (t.w === "as" && next === "well") {
      additive = true;
      i++;
      continue;
    }
    if (t.w === "these" && next === "days") {
      i++;
      continue;
    }
    if (NEGATORS.has(t.w)) {
      negAt.push(kept.length);
      if (t.w === "stopped" || t.w === "quit") changed = true;
      continue;
    }
    if (CHANGE_WORDS.has(t.w)) changed = true;
    if (t.w === "also" || t.w === "too") additive = true;
    if (DROPPED.has(t.w)) continue;
    kept.push(t);
  }
  return { toks: kept, negAt, changed, additive };
}

const DEFAULT_STOPS = wordSet(
  ", and but or nor not instead rather since because although though who whom whose which that where when " +
    "while with as for from every each before after until during than so if last next ago yesterday today " +
    "tomorrow this via unless except named called",
);
/** Leading words that are not part of a value ("is on 3 March", "at Acme", "a Tesla"). */
const VALUE_LEAD = wordSet("on at in to by a an the their his her its my our");
/** Value words that carry no value ("lives in an apartment in Porto" → porto). */
const VALUE_NOISE = wordSet("a an the in of on at to their his her its my our is are");

type Extract = {
  attribute: string;
  single: boolean;
  /** A rule for a known single-valued attribute, or a copula on a known attribute noun. */
  certain: boolean;
  /** Kept-token index where the value starts, and where the matched rule starts. */
  valueAt: number;
  ruleAt: number;
  /** Multi-valued: the object goes into the key. */
  object?: boolean;
  negative?: boolean;
  stops?: Set<string>;
  /** Words any of which a memory on this attribute contains; null: the attribute's own words. */
  anchors: string[] | null;
};

/** "The user's <attribute> is <value>": a copula after a noun phrase of the owner. */
const COPULA_RE =
  /^(?<n>(?:[a-z0-9]+ ){0,5}?[a-z0-9]+) (?:is|are|was|has changed to|changed to|has moved to|moved to|was moved to|was rescheduled to|was changed to|has become|became|will be) (?<v>.+)/d;
const COPULA_NOUN_STOP = wordSet("is are was has have likes uses lives works and but 's ,");
/** Attribute nouns that hold one value at a time ("the user's <noun> is …"). */
const KNOWN_SINGLE = wordSet(
  "name nickname age birthday job title role position occupation profession employer company workplace home " +
    "city address hometown zone timezone language salary income height weight phone email car partner spouse wife " +
    "husband manager boss status diet school university college nationality citizenship religion pronouns size " +
    "landlord therapist doctor dentist number town",
);
/** Relations a person has one of; for the others ("sister", "friend") a name tells which. */
const UNIQUE_RELATIONS = wordSet(
  "wife husband spouse partner girlfriend boyfriend fiance mother father manager landlord therapist company team",
);
const HEAD_END = wordSet("for of in at on to with from about");
const ATTRIBUTE_SYNONYMS: Record<string, string> = {
  job: "job title",
  role: "job title",
  title: "job title",
  position: "job title",
  occupation: "job title",
  profession: "job title",
  "current job": "job title",
  "current role": "job title",
  employer: "employer",
  company: "employer",
  workplace: "employer",
  "current employer": "employer",
  home: "home",
  city: "home",
  "home city": "home",
  "current city": "home",
  residence: "home",
  address: "home",
  "first language": "native language",
  "mother tongue": "native language",
  "native tongue": "native language",
  "date of birth": "birthday",
  "birth date": "birthday",
  "first name": "name",
  age: "age",
  "relationship status": "relationship status",
  diet: "diet",
};
const ATTRIBUTE_ANCHORS: Record<string, string[]> = {
  "job title": ["job", "title", "role", "position", "occupation", "profession", "works"],
  employer: WORK,
  home: HOME,
  "native language": ["native", "language", "tongue"],
  birthday: ["birthday", "born", "birth"],
  name: ["named", "called", "name"],
  age: ["old", "age", "aged"],
};
/** Plain words for a full-text query: the spelling variants of what was normalised. */
const VARIANTS: Record<string, string[]> = {
  favourite: ["favourite", "favorite"],
  colour: ["colour", "color"],
  neighbour: ["neighbour", "neighbor"],
  mother: ["mother", "mom", "mum"],
  father: ["father", "dad"],
  children: ["children", "kids"],
  manager: ["manager", "boss"],
};

/** The value's words from `from` up to a boundary word, and the index after them. */
function valueWords(toks: Tok[], from: number, stops: Set<string>): { words: Tok[]; end: number } {
  const out: Tok[] = [];
  let i = from;
  while (i < toks.length && VALUE_LEAD.has((toks[i] as Tok).w)) i++;
  for (; i < toks.length; i++) {
    const t = toks[i] as Tok;
    if (DEFAULT_STOPS.has(t.w) || stops.has(t.w) || out.length >= 6) break;
    out.push(t);
  }
  return { words: out, end: i };
}

/** What qualifies the value in the same clause ("after 3 pm", "on weekends"). */
function qualifierWords(toks: Tok[], from: number): Tok[] {
  const out: Tok[] = [];
  for (let i = from; i < toks.length && (toks[i] as Tok).w !== ","; i++) out.push(toks[i] as Tok);
  return out;
}

const norm = (toks: Tok[]) =>
  toks
    .filter((t) => !VALUE_NOISE.has(t.w))
    .map((t) => (/\d/.test(t.w) ? t.w.replace(/[.,:]/g, "") : stem(t.w)));

/** Words after which a new main predicate of the same owner starts. */
const CLAUSE_START = wordSet(", and but then so");

/** Token index of a character offset in a string of tokens joined by single spaces. */
const tokenAt = (s: string, at: number) => (at <= 0 ? 0 : (s.slice(0, at).match(/ /g)?.length ?? 0));

function matchRules(p: Predicate, relation: boolean, raw: string): Extract | null {
  const s = p.toks.map((t) => t.w).join(" ");
  for (const rule of RULES) {
    if (rule.relationOnly && !relation) continue;
    // Capitalisation matters to the relation-name rule only.
    const m = rule.relationOnly ? rule.re.exec(raw) : rule.re.exec(s);
    if (!m) continue;
    // Only the statement's own predicate: "lives in …", "now works at …", "left X and
    // joined Y" — not a clause inside it ("his goal of joining …", "who joined …").
    const at = tokenAt(s, m.index);
    if (at > 1 && !CLAUSE_START.has(p.toks[at - 1]?.w ?? "")) continue;
    const g = (m.groups ?? {}) as Record<string, string>;
    const idx = m.indices?.groups;
    const span = idx?.v ?? idx?.w;
    const valueAt = span ? tokenAt(s, span[0]) : p.toks.length;
    return {
      attribute: typeof rule.attribute === "function" ? rule.attribute(g) : rule.attribute,
      single: rule.single,
      certain: rule.single,
      valueAt,
      ruleAt: at,
      object: rule.object,
      negative: rule.negative,
      stops: new Set(rule.stops ?? []),
      anchors: typeof rule.anchors === "function" ? rule.anchors(g) : rule.anchors,
    };
  }
  return null;
}

function matchCopula(p: Predicate): Extract | null {
  const s = p.toks.map((t) => t.w).join(" ");
  const m = COPULA_RE.exec(s);
  const noun = m?.groups?.n;
  const span = m?.indices?.groups?.v;
  if (!m || !noun || !span) return null;
  const words = noun.split(" ");
  if (words.some((w) => COPULA_NOUN_STOP.has(w))) return null;
  // A plural attribute ("favourite colours are …") lists values: not single-valued. The
  // head is the last word before a preposition ("language for replies" → language).
  const cut = words.findIndex((w) => HEAD_END.has(w));
  const head = (cut > 0 ? words[cut - 1] : words.at(-1)) ?? "";
  const plural = /[^s]s$/.test(head) && !["glasses", "status", "address"].includes(head);
  const attribute = ATTRIBUTE_SYNONYMS[noun] ?? noun;
  const certain =
    !plural &&
    (KNOWN_SINGLE.has(attribute) ||
      KNOWN_SINGLE.has(head) ||
      /^(?:favourite|preferred|main|primary|default|current|usual|native|first) /.test(attribute));
  return {
    attribute,
    single: !plural,
    certain,
    valueAt: tokenAt(s, span[0]),
    ruleAt: 0,
    object: plural,
    stops: new Set(),
    anchors: ATTRIBUTE_ANCHORS[attribute] ?? null,
  };
}

/**
 * The subject of a memory's content, or null when no rule recognises it (ADR-0037):
 * the owner ("the user", "the user's sister", "her daughter", a named person), then
 * either a known predicate (lives in, works at, works as, is named, is N years old,
 * is vegetarian, is married, is allergic to, likes, drinks, speaks, …) or "the
 * owner's <attribute> is <value>" ("the user's favourite colour is blue").
 */
export function subjectOf(content: string): Subject | null {
  const toks = tokenize(content);
  let i = 0;
  let owner: string | null = null;
  let possessive = false;
  let relation = false;
  let relationNamed = false;
  let rel = "";
  if (toks[i]?.w === "the" && (toks[i + 1]?.w === "user" || toks[i + 1]?.w === "users")) i++;
  const first = toks[i];
  if (!first) return null;
  if (first.w === "user" || first.w === "users") {
    owner = "user";
    i++;
  } else if (POSSESSIVE_PRONOUNS.has(first.w)) {
    owner = "user";
    possessive = true;
    i++;
  } else if (first.cap && !FUNCTION_WORDS.has(first.w) && i === 0) {
    owner = first.w;
    i++;
  } else {
    return null;
  }
  if (toks[i]?.w === "'s") {
    possessive = true;
    i++;
  }
  if (possessive && RELATIONS.has(toks[i]?.w ?? "")) {
    // "the user's sister" is "sister"; "Caroline's sister" stays Caroline's.
    rel = toks[i]?.w ?? "";
    owner = owner === "user" ? rel : `${owner} ${rel}`;
    relation = true;
    i++;
    // "the user's dog Rex", "the user's spouse Jordan": the name is part of the owner.
    while (toks[i]?.cap && !["is", "are", "was", "'s"].includes(toks[i]?.w ?? "")) {
      owner = `${owner} ${toks[i]?.w}`;
      relationNamed = true;
      i++;
    }
    possessive = toks[i]?.w === "'s";
    if (possessive) i++;
  }
  const p = cleanPredicate(toks.slice(i));
  if (p.toks.length === 0) return null;
  // The relation-name rule reads capitalisation: "The user's manager is Priya".
  const raw = p.toks.map((t, k) => (t.cap && k > 0 ? t.w[0]?.toUpperCase() + t.w.slice(1) : t.w)).join(" ");
  const x =
    possessive || relation ? (matchCopula(p) ?? matchRules(p, relation, raw)) : matchRules(p, relation, raw);
  if (!x) return null;
  const found = valueWords(p.toks, x.valueAt, x.stops ?? new Set());
  const value = norm(found.words);
  const negationMarker = p.negAt.some((k) => k >= x.ruleAt - 2 && k <= x.valueAt);
  const negated = negationMarker !== Boolean(x.negative);
  const attribute = x.object && value.length ? `${x.attribute} ${value.slice(0, 3).join(" ")}` : x.attribute;
  // Anchors: the attribute's words (any of a rule's), the owner's relation, the object.
  // A relation's name may be given without "named" ("the user's manager is Priya"):
  // the relation alone anchors it.
  const attrWords = x.attribute.split(" ").filter((w) => !["of", "number", "main"].includes(w));
  const anchors: string[][] =
    relation && x.attribute === "name"
      ? []
      : x.anchors
        ? [x.anchors]
        : attrWords.map((w) => VARIANTS[w] ?? [w]);
  const ownerWord = relation ? rel : owner;
  if (owner !== "user") anchors.push(VARIANTS[ownerWord] ?? [ownerWord]);
  if (x.object && value[0]) {
    const objectWord = found.words.find((t) => !VALUE_NOISE.has(t.w));
    if (objectWord) anchors.push([objectWord.w]);
  }
  // An unnamed sister or friend may be one of several: only their age is taken as one value.
  const ambiguousOwner = relation && !relationNamed && !UNIQUE_RELATIONS.has(rel);
  const certain = x.single && x.certain && (!ambiguousOwner || x.attribute === "age");
  return {
    key: `${owner}:${attribute}`,
    owner,
    attribute,
    single: x.single,
    certain,
    value,
    qualifier: norm(qualifierWords(p.toks, found.end).filter((t) => !DEFAULT_STOPS.has(t.w))),
    negated,
    negationMarker,
    changed: p.changed,
    additive: p.additive,
    anchors: anchors.filter((g) => g.length > 0),
  };
}

/** The subject key alone ("user:favourite colour", "sister:name"), or null. */
export function subjectKey(content: string): string | null {
  return subjectOf(content)?.key ?? null;
}

/** How two values of one attribute relate: the same (or one refines the other), different, or unknown. */
export function compareValues(a: readonly string[], b: readonly string[]): "same" | "different" | "unknown" {
  if (a.length === 0 || b.length === 0) return "unknown";
  const A = new Set(a);
  const B = new Set(b);
  if ([...A].every((w) => B.has(w)) || [...B].every((w) => A.has(w))) return "same";
  return "different";
}

/** Whether a statement carries an explicit change marker ("now", "no longer", "switched to" …). */
export function hasChangeMarker(content: string): boolean {
  return cleanPredicate(tokenize(content)).changed;
}

/** Whether a statement says it adds to what is known ("also", "as well", "too"). */
export function hasAdditiveMarker(content: string): boolean {
  return cleanPredicate(tokenize(content)).additive;
}
