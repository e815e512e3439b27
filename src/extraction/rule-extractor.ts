import { MAX_CONTENT_CHARS, MAX_FACTS_PER_TURN, MIN_CONTENT_CHARS } from "./llm-prompt.js";
import type { ExtractedFact, Extractor, Turn } from "./ports.js";
import { clauseFacts } from "./rules/clause.js";
import type { ClauseFact } from "./rules/facts.js";
import { nameFact } from "./rules/possessive.js";
import { RelationMemory } from "./rules/relations.js";
import { type Sentence, splitClauses, splitSentences } from "./rules/split.js";

/** Confidence of an explicit first-person statement, and of a hedged but clear one. */
export const STATED = 1;
export const HEDGED = 0.7;

/** Jokes and retractions: the sentence is not meant literally. */
const NOT_LITERAL = /\b(?:just kidding|kidding|jk|joking|not seriously)\b/i;
/** Sentences that open a supposition ("If I were …", "Imagine I …"). */
const SUPPOSITION = /^\s*(?:if|unless|suppose|supposing|imagine|hypothetically|what if)\b/i;
/** Words whose reading depends on the relations named before ("she" is the sister). */
const CONTEXTUAL = /\b(?:he|she|him|her|his|hers)\b/i;
/**
 * Distinct sentences parsed per turn. A person says who they are in the first
 * couple of hundred sentences of a message; the bound keeps a pasted 32,000-character
 * document to a few milliseconds.
 */
export const MAX_SENTENCES_PER_TURN = 200;

interface ClauseRecord {
  facts: ClauseFact[];
  hedged: boolean;
  tokens: string[];
}

/** The clause outcomes of one sentence. */
function sentenceOutcomes(sentence: Sentence, relations: RelationMemory): ClauseRecord[] {
  const records: ClauseRecord[] = [];
  let prevObject: string | undefined;
  for (const clause of splitClauses(sentence.text, sentence.question)) {
    const outcome = clauseFacts(clause, sentence.question, { relations, now: false, prevObject });
    if (outcome.object) prevObject = outcome.object;
    // A relation named in passing ("a sweater for my granddaughter Lily") is a fact too.
    const named = relations.note(outcome.tokens).map(nameFact);
    records.push({ facts: [...named, ...outcome.facts], hedged: outcome.hedged, tokens: outcome.tokens });
  }
  return records;
}

/**
 * The facts of a conversation's user turns, in turn order (ADR-0036). Each user turn is
 * split into sentences and clauses; each clause is matched against bounded first-person
 * rules (rules/*.ts) and rewritten as a third-person, self-contained fact. Assistant,
 * system and tool turns are never mined. Deterministic (X1); every fact names its turn (X2);
 * at most MAX_FACTS_PER_TURN per turn; a repeated fact is kept once, at its first turn.
 * Linear in the text: every pattern is bounded and a repeated sentence is parsed once.
 */
export function extractFacts(turns: readonly Turn[]): ExtractedFact[] {
  const relations = new RelationMemory();
  const seen = new Set<string>();
  const parsed = new Map<string, ClauseRecord[]>();
  const out: ExtractedFact[] = [];
  for (const turn of turns) {
    if (turn.role !== "user") continue;
    let count = 0;
    let budget = MAX_SENTENCES_PER_TURN;
    for (const sentence of splitSentences(turn.content)) {
      if (count >= MAX_FACTS_PER_TURN) break;
      if (NOT_LITERAL.test(sentence.text) || SUPPOSITION.test(sentence.text)) continue;
      // A sentence with "she" or "his" reads differently once another relation is named:
      // its outcome is keyed by what those pronouns resolve to when it starts.
      const context = CONTEXTUAL.test(sentence.text)
        ? `${relations.resolve("she")?.phrase ?? ""}\u0000${relations.resolve("he")?.phrase ?? ""}\u0000`
        : "";
      const key = `${context}${sentence.question ? "?" : "."}${sentence.text}`;
      let records = parsed.get(key);
      if (records) {
        // Same sentence, same outcome; its relations still become the latest mentioned.
        for (const r of records) relations.note(r.tokens);
      } else {
        if (budget-- <= 0) break;
        records = sentenceOutcomes(sentence, relations);
        parsed.set(key, records);
      }
      for (const r of records) {
        for (const f of r.facts) {
          const k = f.content.toLowerCase();
          if (f.content.length < MIN_CONTENT_CHARS || f.content.length > MAX_CONTENT_CHARS || seen.has(k))
            continue;
          if (count >= MAX_FACTS_PER_TURN) break;
          seen.add(k);
          count += 1;
          out.push({ ...f, confidence: r.hedged ? HEDGED : STATED, turn: turn.seq });
        }
      }
    }
  }
  return out;
}

/** The rule-based extractor: the embedded default when no LLM is configured (ADR-0036). */
export function createRuleExtractor(): Extractor {
  return {
    name: "rules",
    async extract(turns) {
      return { facts: extractFacts(turns) };
    },
  };
}
