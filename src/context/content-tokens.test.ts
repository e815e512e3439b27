import { beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../test/support/seeded-random.js";
import type { MemoryCategory } from "../memory/categories.js";
import { piecesTokens, textTokens } from "./content-tokens.js";
import { contextPieces, type FormattedMemory, formatContext, memoryLinePieces } from "./format.js";
import { countedMemoryLine } from "./memory-lines.js";
import { countTokens, type Encoding, warmTokenizers } from "./tokenizer.js";

// Edges where tokenizers merge or split: punctuation runs, markup characters,
// whitespace of every kind, digits, accents and combining marks, other scripts, emoji.
const ALPHABET = [
  ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
  ...".,!?;:()[]{}-_/\\@#$%^*+=|~`'\"<>&",
  " ",
  "  ",
  "\t",
  "\n",
  "\r\n",
  "\n\n",
  "é",
  "ß",
  "e\u0301",
  "\u0301",
  "中文",
  "Жизнь",
  "٣",
  "½",
  "😀",
  "🇵🇹",
  "'s",
  "n't",
  "&amp;",
  "1234567",
];

const CATEGORIES: MemoryCategory[] = ["procedural", "factual", "preference", "behavioral", "episodic"];

function text(next: () => number, max: number): string {
  const n = Math.floor(next() * max);
  let out = "";
  for (let i = 0; i < n; i++) out += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return out;
}

function memory(next: () => number, i: number): FormattedMemory {
  const sentence = next() < 0.5;
  return {
    id: `0198a3f2-${String(1000 + i)}-7abc-8def-${Math.floor(next() * 1e12)
      .toString(16)
      .padStart(12, "0")}`,
    category: CATEGORIES[Math.floor(next() * CATEGORIES.length)] as MemoryCategory,
    // Half of them read like sentences (letters inside, a full stop after), half are noise.
    content: sentence ? `The user ${text(next, 12)} likes ${text(next, 6)}.` : text(next, 40),
    confidence: next(),
    score: next() * 2.4 - 1.2,
  };
}

const encodings: Encoding[] = ["o200k_base", "cl100k_base"];

beforeAll(() => warmTokenizers());

describe.each(encodings)("token counts from pieces (%s)", (encoding) => {
  it("equal the count of the whole assembled context", () => {
    const next = seededRandom(encoding === "o200k_base" ? 7 : 11);
    for (let run = 0; run < 1500; run++) {
      const directive = next() < 0.15 ? null : text(next, 60);
      const memories = Array.from({ length: Math.floor(next() * 7) }, (_, i) => memory(next, i));
      const nonce = Math.floor(next() * 1e16).toString(16);
      const whole = formatContext(directive, memories, nonce);
      const pieces = contextPieces(directive, memories, nonce);
      expect(pieces.map((p) => p.text).join("")).toBe(whole);
      const counted = piecesTokens(pieces, encoding, true);
      // Lines counted beforehand (as the assembler packs them) give the same text and sum.
      const precounted = contextPieces(directive, memories, nonce, (m) => {
        const line = memoryLinePieces(m);
        return [
          {
            kind: "counted",
            text: line.map((p) => p.text).join(""),
            tokens: piecesTokens(line, encoding, true),
          },
        ];
      });
      expect(precounted.map((p) => p.text).join("")).toBe(whole);
      expect(piecesTokens(precounted, encoding, true)).toBe(counted);
      if (counted !== countTokens(whole, encoding)) {
        // The failing case, printed so it can be reproduced.
        expect({ directive, memories, nonce, counted }).toEqual({ whole: countTokens(whole, encoding) });
      }
    }
  });

  it("count a memory line with its newline exactly, markup and all", () => {
    const next = seededRandom(5);
    for (let run = 0; run < 1500; run++) {
      const m = memory(next, run);
      const line = memoryLinePieces(m);
      expect(piecesTokens(line, encoding, true)).toBe(
        countTokens(line.map((p) => p.text).join(""), encoding),
      );
    }
  });

  it("give the same count when the pieces are remembered", () => {
    const m: FormattedMemory = {
      id: "0198a3f2-0000-7abc-8def-000000000001",
      category: "factual",
      content: "Lives in Porto (since 2019).",
      confidence: 0.9,
      score: 0.734,
    };
    const pieces = contextPieces("You are a travel agent.", [m], "ab12");
    const first = piecesTokens(pieces, encoding, true);
    expect(piecesTokens(pieces, encoding, true)).toBe(first);
    expect(first).toBe(countTokens(formatContext("You are a travel agent.", [m], "ab12"), encoding));
  });

  it("remembers a text's count exactly", () => {
    const next = seededRandom(3);
    for (let run = 0; run < 300; run++) {
      const t = text(next, 80);
      expect(textTokens(t, encoding, true)).toBe(countTokens(t, encoding));
      expect(textTokens(t, encoding, true)).toBe(countTokens(t, encoding));
    }
    // A line counted while packing is not encoded again: its count is taken as given.
    expect(piecesTokens([{ kind: "counted", text: "Lives in Porto", tokens: 999 }], encoding, true)).toBe(
      999,
    );
    // A text that is also a piece elsewhere has one count, whoever asks first.
    const piece = "</directive>\n";
    expect(piecesTokens([{ kind: "repeat", text: piece }], encoding, true)).toBe(
      countTokens(piece, encoding),
    );
    expect(textTokens(piece, encoding, true)).toBe(countTokens(piece, encoding));
  });
});

describe.each(encodings)("remembered memory lines (%s)", (encoding) => {
  const piecesOf = (m: FormattedMemory) => {
    const pieces = memoryLinePieces(m);
    return { text: pieces.map((p) => p.text).join(""), tokens: piecesTokens(pieces, encoding, true) };
  };

  it("give the text and count of the line's pieces, call after call as scores change", () => {
    const next = seededRandom(encoding === "o200k_base" ? 23 : 29);
    const memories = Array.from({ length: 300 }, (_, i) => memory(next, i));
    for (let round = 0; round < 3; round++) {
      for (const m of memories) {
        const scored = { ...m, score: next() * 2.4 - 1.2 };
        expect(countedMemoryLine(scored, encoding, true)).toEqual(piecesOf(scored));
      }
    }
  });

  it("follow an edit of the memory's content or confidence", () => {
    const next = seededRandom(31);
    const m = memory(next, 1);
    expect(countedMemoryLine(m, encoding, true)).toEqual(piecesOf(m));
    const edited = { ...m, content: `${m.content} Lives in Porto now.` };
    expect(countedMemoryLine(edited, encoding, true)).toEqual(piecesOf(edited));
    const surer = { ...edited, confidence: 0.99 };
    expect(countedMemoryLine(surer, encoding, true).text).toContain('confidence="0.99"');
    expect(countedMemoryLine(surer, encoding, true)).toEqual(piecesOf(surer));
  });
});
