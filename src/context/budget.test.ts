import { beforeAll, describe, expect, it } from "vitest";
import { computeBudget, messagesTokens } from "./budget.js";
import { modelInfo, UNKNOWN_MODEL_WINDOW } from "./models.js";
import { countTokens, tokenizerReady, warmTokenizers } from "./tokenizer.js";

describe("token counting", () => {
  it("estimates on the high side before the tables load", () => {
    // Each test file has its own module graph, and this test runs before the warm-up below.
    expect(tokenizerReady("o200k_base")).toBe(false);
    expect(countTokens("Hello world", "o200k_base")).toBe(4);
  });

  describe("with the tables loaded", () => {
    beforeAll(() => warmTokenizers());

    it('counts "Hello world" on gpt-4o as 2 tokens', () => {
      expect(countTokens("Hello world", modelInfo("gpt-4o").encoding)).toBe(2);
      expect(countTokens("", "o200k_base")).toBe(0);
    });

    it("counts a chat as 3 priming tokens plus 4 + role + content per message", () => {
      const enc = modelInfo("gpt-4o").encoding;
      expect(messagesTokens([{ role: "user", content: "Hello world" }], enc)).toBe(3 + 4 + 1 + 2);
      expect(messagesTokens([], enc)).toBe(0);
    });

    it("counts history past the exact budget as its UTF-8 length, never below the exact count, without encoding it", () => {
      const enc = modelInfo("gpt-4o").encoding;
      const random = (n: number, seed: number) =>
        Array.from({ length: n }, (_, i) =>
          String.fromCharCode(0x4e00 + ((i * 7919 + seed * 104729) % 20000)),
        ).join("");
      const history = [0, 1, 2, 3].map((i) => ({ role: "user", content: random(20_000, i) }));
      const encoded: string[] = [];
      const counter = (text: string) => {
        encoded.push(text);
        return countTokens(text, enc);
      };
      const bounded = messagesTokens(history, enc, counter, 50_000);
      // Two messages fit the 50,000 characters counted exactly; the other two are bounded.
      expect(encoded.filter((t) => t.length > 100)).toHaveLength(2);
      expect(bounded).toBeGreaterThanOrEqual(messagesTokens(history, enc, counter, Number.POSITIVE_INFINITY));
    });
  });
});

describe("modelInfo", () => {
  it.each([
    ["gpt-4o", 128_000, "o200k_base"],
    ["gpt-4o-mini", 128_000, "o200k_base"],
    ["gpt-4o-2024-08-06", 128_000, "o200k_base"],
    ["gpt-4-turbo", 128_000, "cl100k_base"],
    ["gpt-4", 8_192, "cl100k_base"],
    ["gpt-4-0613", 8_192, "cl100k_base"],
    ["gpt-3.5-turbo", 16_385, "cl100k_base"],
    ["mystery-model", UNKNOWN_MODEL_WINDOW, "cl100k_base"],
    ["", UNKNOWN_MODEL_WINDOW, "cl100k_base"],
  ])("%s → window %i, %s", (model, window, encoding) => {
    expect(modelInfo(model)).toMatchObject({ window, encoding });
  });

  it("takes configured windows", () => {
    expect(modelInfo("house-llm", { "house-llm": 32_000 }).window).toBe(32_000);
  });
});

describe("computeBudget", () => {
  it("applies reserve = clamp(0.15·window, 500, 4096) and safety = 0.05·window", () => {
    const b = computeBudget({ window: 128_000, messageTokens: 1000, directiveTokens: 200 });
    expect(b).toMatchObject({
      reserve: 4096,
      safety: 6400,
      memoryTokens: 128_000 - 1000 - 200 - 4096 - 6400,
    });
    const small = computeBudget({ window: 2000, messageTokens: 0, directiveTokens: 0 });
    expect(small).toMatchObject({ reserve: 500, safety: 100, memoryTokens: 1400, constrained: false });
  });

  it("caps by available_tokens, never goes negative, and flags constrained budgets", () => {
    expect(
      computeBudget({ window: 128_000, messageTokens: 0, directiveTokens: 0, availableTokens: 800 }),
    ).toMatchObject({ memoryTokens: 800, constrained: true });
    expect(computeBudget({ window: 8192, messageTokens: 9000, directiveTokens: 500 })).toMatchObject({
      memoryTokens: 0,
      constrained: true,
    });
  });

  it("reserves the directive in full", () => {
    const without = computeBudget({ window: 8192, messageTokens: 100, directiveTokens: 0 });
    const withDirective = computeBudget({ window: 8192, messageTokens: 100, directiveTokens: 3000 });
    expect(without.memoryTokens - withDirective.memoryTokens).toBe(3000);
  });
});
