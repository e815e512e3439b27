import type * as Gpt from "gpt-tokenizer/encoding/o200k_base";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { seededRandom } from "../../test/support/seeded-random.js";
import { boundedCount, countTokens, type Encoding, LONG_RUN, warmTokenizers } from "./tokenizer.js";

// What the encoders are handed through `countTokens`: the number of calls and the
// longest run of one character class in any text they got.
const handed = vi.hoisted(() => ({ calls: 0, longest: 0, loneSurrogate: false }));

/** The longest run of one class (letters and marks, other, whitespace) in UTF-16 units. */
function longestRun(text: string): number {
  let longest = 0;
  for (const [run] of text.matchAll(/[\p{L}\p{M}]+|[^\s\p{L}\p{M}\p{N}]+|\s+/gu)) {
    longest = Math.max(longest, run.length);
  }
  return longest;
}

/** The encoder module, with `countTokens` noting what it is handed. */
function counted<M extends { countTokens(text: string): number }>(mod: M): M {
  const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  return {
    ...mod,
    countTokens: (text: string) => {
      handed.calls++;
      handed.longest = Math.max(handed.longest, longestRun(text));
      handed.loneSurrogate ||= loneSurrogate.test(text);
      return mod.countTokens(text);
    },
  } as M;
}

vi.mock("gpt-tokenizer/encoding/o200k_base", async (importOriginal) => {
  return counted(await importOriginal<typeof Gpt>());
});
vi.mock("gpt-tokenizer/encoding/cl100k_base", async (importOriginal) => {
  return counted(await importOriginal<typeof Gpt>());
});

// The encoders themselves, for reference counts.
const real: Record<Encoding, (text: string) => number> = {
  o200k_base: (await vi.importActual<typeof Gpt>("gpt-tokenizer/encoding/o200k_base")).countTokens,
  cl100k_base: (await vi.importActual<typeof Gpt>("gpt-tokenizer/encoding/cl100k_base")).countTokens,
};

const CJK = Array.from({ length: 300 }, (_, i) => String.fromCodePoint(0x4e00 + i * 61));
const EMOJI = ["😀", "🦩", "👍🏽", "🇵🇹", "👨‍👩‍👧", "❤️", "✨"];

/** Up to `units` UTF-16 units of `unit()` repeated. */
function fill(units: number, unit: () => string): string {
  let s = "";
  for (;;) {
    const u = unit();
    if (s.length + u.length > units) return s;
    s += u;
  }
}

// One long pre-token each: BPE's merge loop is quadratic in it (seconds at 32,000).
const ADVERSARIAL: Record<string, (units: number, next: () => number) => string> = {
  '"a"': (u) => "a".repeat(u),
  '"!"': (u) => "!".repeat(u),
  spaces: (u) => " ".repeat(u),
  newlines: (u) => "\n".repeat(u),
  "😀": (u) => "😀".repeat(u / 2),
  中: (u) => "中".repeat(u),
  "random letters": (u, next) => fill(u, () => String.fromCharCode(97 + Math.floor(next() * 26))),
  "random CJK": (u, next) => fill(u, () => CJK[Math.floor(next() * CJK.length)] as string),
  "random emoji": (u, next) => fill(u, () => EMOJI[Math.floor(next() * EMOJI.length)] as string),
};

// The encoders' own counts of 32,000 units of the repeated kinds (measured once: each takes seconds).
const EXACT_32K: Record<Encoding, Record<string, number>> = {
  o200k_base: { '"a"': 4000, '"!"': 2000, spaces: 250, newlines: 2000, "😀": 16000, 中: 32000 },
  cl100k_base: { '"a"': 4000, '"!"': 4000, spaces: 250, newlines: 1000, "😀": 32000, 中: 32000 },
};

const encodings: Encoding[] = ["o200k_base", "cl100k_base"];

beforeAll(() => warmTokenizers());
beforeEach(() => {
  handed.calls = 0;
  handed.longest = 0;
  handed.loneSurrogate = false;
});

describe.each(encodings)("countTokens on long runs of one character class (%s)", (encoding) => {
  it.each(Object.keys(ADVERSARIAL))(
    "never hands the encoder a run over LONG_RUN units: 32,000 units of %s",
    (kind) => {
      const text = (ADVERSARIAL[kind] as (typeof ADVERSARIAL)[string])(32_000, seededRandom(3));
      const n = countTokens(text, encoding);
      expect(handed.longest).toBeGreaterThan(0);
      expect(handed.longest).toBeLessThanOrEqual(LONG_RUN);
      expect(handed.loneSurrogate).toBe(false);
      // At or above the encoder's own count, and not wildly over it.
      const exact = EXACT_32K[encoding][kind];
      if (exact !== undefined) {
        expect(n).toBeGreaterThanOrEqual(exact);
        expect(n).toBeLessThanOrEqual(exact + Math.ceil(32_000 / LONG_RUN) * 2);
      }
    },
  );

  it("counts a run of one repeated character with a handful of encoder calls", () => {
    countTokens("a".repeat(32_000), encoding);
    expect(handed.calls).toBeLessThanOrEqual(3);
  });

  it("counts long runs at or above the encoder, and text without them exactly, in one call", () => {
    const next = seededRandom(encoding === "o200k_base" ? 17 : 19);
    for (const make of Object.values(ADVERSARIAL)) {
      // 4,000 units: short enough for the encoder alone.
      const text = `Before it, ${make(4000, next)} and after.`;
      const exact = real[encoding](text);
      const n = countTokens(text, encoding);
      expect(n).toBeGreaterThanOrEqual(exact);
      expect(n).toBeLessThanOrEqual(exact * 1.5 + 2 * Math.ceil(4000 / LONG_RUN));
    }
    handed.calls = 0;
    const prose = "The user prefers window seats on long flights and dislikes early meetings. ".repeat(200);
    expect(countTokens(prose, encoding)).toBe(real[encoding](prose));
    expect(handed.calls).toBe(1);
  });

  it("is at or above the encoder on random texts with runs of every class at every length", () => {
    // Long runs of each class, with the characters a cut can split or join (marks,
    // surrogate pairs, joiners, CRLF, contractions), between ordinary words.
    const alphabets = [
      [..."abcdefghijklmnopqrstuvwxyz"],
      [..."aAbBzZ"],
      ["a"],
      [..."!\"#$%&()*+,-./:;<=>?@[]^_{|}~'`"],
      [" "],
      [" ", "\t", "\n", "\r\n", "\u00a0", "\u3000"],
      CJK,
      [..."あいうえおかアイウエオ"],
      EMOJI,
      ["\u0301", "\u0308"],
      [..."กขคงจฉ", "\u0e34", "\u0e48"],
      ["e\u0301", "a\u0308"],
      Array.from({ length: 50 }, (_, i) => String.fromCodePoint(0x20000 + i * 97)),
      [..."0123456789"],
      [..."aZ09!-_ .\n中😀'"],
    ];
    const words = [
      "the",
      " user",
      " likes",
      "It's",
      " don't",
      "\n",
      ", ",
      ".",
      " 2027",
      " (since",
      ")",
      "  ",
    ];
    const next = seededRandom(encoding === "o200k_base" ? 23 : 29);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] as T;
    let withRuns = 0;
    for (let i = 0; i < 1000; i++) {
      let text = "";
      for (let k = 1 + Math.floor(next() * 5); k > 0; k--) {
        if (next() < 0.4) {
          for (let w = Math.floor(next() * 12); w > 0; w--) text += pick(words);
        } else {
          const alphabet = pick(alphabets);
          text += fill(Math.floor(next() * 400), () => pick(alphabet));
        }
      }
      const exact = real[encoding](text);
      const n = boundedCount(text, real[encoding]);
      if (n < exact) expect({ text, n }).toEqual({ text, n: exact }); // printed to replay
      if (n > exact) withRuns++;
      if (longestRun(text) < LONG_RUN) expect(n).toBe(exact);
    }
    expect(withRuns).toBeGreaterThan(300);
  });

  it("counts a 32,000-unit message of emoji in well under a second (seconds before)", () => {
    const text = ADVERSARIAL["random emoji"]?.(32_000, seededRandom(5)) ?? "";
    const t0 = performance.now();
    countTokens(text, encoding);
    countTokens("😀".repeat(16_000), encoding);
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

describe("boundedCount", () => {
  it("cuts long runs into pieces at most the threshold long, never inside a surrogate pair", () => {
    const seen: string[] = [];
    const encoder = (text: string) => {
      seen.push(text);
      return text.length;
    };
    boundedCount(`hi ${"a".repeat(10)} x ${"!".repeat(5)}${"\n".repeat(6)}${"😀".repeat(3)}end`, encoder, 5);
    expect(seen).toEqual(["hi ", "aaaaa", " x ", "!!!!!", "\n\n\n\n\n", "\n", "😀😀", "😀", "end"]);
  });

  it("counts digits whole, however long (they split in threes)", () => {
    const seen: string[] = [];
    boundedCount("1".repeat(300), (text) => seen.push(text), 64);
    expect(seen).toEqual(["1".repeat(300)]);
  });
});
