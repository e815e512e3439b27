import { beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../test/support/seeded-random.js";
import { uuidv7 } from "../lib/ids.js";
import { countTokens, type Encoding, warmTokenizers } from "./tokenizer.js";
import { isCanonicalUuid, uuidTokens } from "./uuid-tokens.js";

// Hex drawn from skewed alphabets too, so long letter runs and digit runs occur.
const ALPHABETS = ["0123456789abcdef", "abcdef", "0123456789", "a1", "f0e9"];

function uuid(next: () => number): string {
  const alphabet = ALPHABETS[Math.floor(next() * ALPHABETS.length)] as string;
  const hex = (n: number) =>
    Array.from({ length: n }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
  return `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
}

beforeAll(() => warmTokenizers());

describe.each<Encoding>(["o200k_base", "cl100k_base"])("UUID token counts (%s)", (encoding) => {
  it("equal the tokenizer's on random and time-ordered UUIDs", () => {
    const next = seededRandom(encoding === "o200k_base" ? 3 : 9);
    for (let i = 0; i < 20_000; i++) {
      const id = i % 4 === 0 ? uuidv7() : uuid(next);
      const counted = uuidTokens(id, encoding, true);
      if (counted !== countTokens(id, encoding)) expect({ id, counted }).toEqual({ id, counted: -1 });
    }
  });

  it("add up inside a memory tag, where the line places them", () => {
    const next = seededRandom(21);
    for (let i = 0; i < 2_000; i++) {
      const id = uuid(next);
      const line = `<memory id="${id}" confidence="0.90"`;
      expect(
        countTokens('<memory id="', encoding) +
          uuidTokens(id, encoding, true) +
          countTokens('" confidence="0.90"', encoding),
      ).toBe(countTokens(line, encoding));
    }
  });

  it("fall back to the tokenizer for anything but a canonical UUID", () => {
    for (const id of [
      "0198A3F2-0000-7ABC-8DEF-000000000001",
      "not-a-uuid",
      "0198a3f200007abc8def000000000001",
      "",
    ]) {
      expect(isCanonicalUuid(id)).toBe(false);
      expect(uuidTokens(id, encoding, true)).toBe(countTokens(id, encoding));
    }
  });
});
