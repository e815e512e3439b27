import { describe, expect, it } from "vitest";
import type { MessageRole } from "../memory/ports.js";
import type { ExtractedFact, Turn } from "./ports.js";
import { createRuleExtractor, extractFacts, MAX_SENTENCES_PER_TURN } from "./rule-extractor.js";

// The rule-based extractor as the extraction job uses it: the port's contract, and its
// cost on adversarial turns. What it extracts is in rule-extractor.test.ts.

/** Facts of one user turn. */
const say = (content: string): ExtractedFact[] => extractFacts([{ seq: 0, role: "user", content }]);
const turns = (...xs: [MessageRole, string][]): Turn[] =>
  xs.map(([role, content], seq) => ({ seq, role, content }));

describe("rule-based extractor: the port", () => {
  const session = turns(
    ["user", "Hello! I'm vegan and I live in Oslo."],
    ["assistant", "Nice to meet you!"],
    ["user", "My brother Ola works at Equinor. He is a geologist."],
  );

  it("is named rules and is deterministic (X1)", async () => {
    const extractor = createRuleExtractor();
    expect(extractor.name).toBe("rules");
    const a = await extractor.extract(session);
    const b = await extractor.extract(session);
    expect(a).toEqual(b);
    expect(a.usage).toBeUndefined();
  });

  it("names the seq of the turn each fact comes from (X2)", async () => {
    const shifted = session.map((t) => ({ ...t, seq: t.seq + 40 }));
    const { facts } = await createRuleExtractor().extract(shifted);
    expect(facts.map((f) => f.turn)).toEqual([40, 40, 42, 42, 42]);
    expect(facts.map((f) => f.content)).toEqual([
      "The user is vegan.",
      "The user lives in Oslo.",
      "The user's brother is named Ola.",
      "The user's brother Ola works at Equinor.",
      "The user's brother Ola is a geologist.",
    ]);
  });
});

describe("rule-based extractor: linear time on adversarial turns", () => {
  const cases: [string, string][] = [
    ["'I like ' repeated", "I like ".repeat(5000).slice(0, 32_000)],
    ["'a.' × 16,000", "a.".repeat(16_000)],
    ["a newline flood", "\n".repeat(32_000)],
    ["a comma run", `I am ${",".repeat(31_990)}`],
    ["one sentence repeated", "I like cheese. ".repeat(2200).slice(0, 32_000)],
    [
      "distinct sentences",
      Array.from({ length: 3000 }, (_, i) => `I need thing ${i}.`)
        .join(" ")
        .slice(0, 32_000),
    ],
    [
      "pronouns and relations",
      "My sister Anna is vegan and she lives in Lyon. ".repeat(700).slice(0, 32_000),
    ],
    ["one 32,000-character word", `I am ${"a".repeat(31_995)}`],
  ];

  it.each(cases)("processes %s (32,000 chars) in well under 100 ms", (_, content) => {
    expect(content.length).toBeGreaterThanOrEqual(31_000);
    const input = [{ seq: 0, role: "user" as const, content }];
    extractFacts(input);
    const started = performance.now();
    const facts = extractFacts(input);
    expect(performance.now() - started).toBeLessThan(100);
    expect(facts.length).toBeLessThanOrEqual(10);
  });

  it("parses at most MAX_SENTENCES_PER_TURN distinct sentences of a turn", () => {
    const filler = Array.from({ length: MAX_SENTENCES_PER_TURN }, (_, i) => `Line ${i} of the log.`).join(
      " ",
    );
    expect(say(`${filler} I live in Oslo.`)).toEqual([]);
    expect(say(`I live in Oslo. ${filler}`)).toHaveLength(1);
  });
});
