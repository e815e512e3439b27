import { describe, expect, it } from "vitest";
import { PII_CORPUS } from "./pii.corpus.js";
import { ibanValid, luhnValid, redactPii } from "./pii.js";

describe("PII redaction corpus", () => {
  it.each(PII_CORPUS.map((c) => [c.text.slice(0, 60).replace(/\n/g, " "), c] as const))("%s", (_label, c) => {
    const { text, counts } = redactPii(c.text);
    expect(counts).toEqual(c.finds);
    for (const keep of c.keeps ?? []) expect(text).toContain(keep);
    const placeholders = text.match(/\[(EMAIL|PHONE|SSN|CARD|IBAN|IP|SECRET)\]/g) ?? [];
    expect(placeholders.length).toBe(Object.values(c.finds).reduce((a, b) => a + (b ?? 0), 0));
  });

  it("leaves no digits of a redacted card or SSN behind", () => {
    const { text } = redactPii("card 4111 1111 1111 1111 ssn 123-45-6789");
    expect(text).toBe("card [CARD] ssn [SSN]");
  });
});

describe("checksums", () => {
  it("Luhn accepts test cards and refuses near-misses", () => {
    expect(luhnValid("4111111111111111")).toBe(true);
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(luhnValid("0000000000000000")).toBe(false);
  });

  it("IBAN mod-97 accepts valid numbers only", () => {
    expect(ibanValid("GB82 WEST 1234 5698 7654 32")).toBe(true);
    expect(ibanValid("GB83 WEST 1234 5698 7654 32")).toBe(false);
  });
});
