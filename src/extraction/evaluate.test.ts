import { describe, expect, it } from "vitest";
import { factSimilarity, factTokens, MATCH_THRESHOLD, scoreExtraction, sumScores } from "./evaluate.js";

const f = (content: string, category = "factual") => ({ content, category });

describe("factTokens", () => {
  it("drops framing and stop words, punctuation and case, and stems", () => {
    expect(factTokens("The user's sister Anna lives in Lyon.")).toEqual(["sister", "anna", "liv", "lyon"]);
    expect(factTokens("The user LOVES chickpeas!")).toEqual(factTokens("the user loved chickpeas"));
  });

  it("keeps negations, as one token", () => {
    const negated = factTokens("The user does not drink coffee");
    expect(negated[0]).toBe("not");
    expect(factTokens("The user doesn't drink coffee")).toEqual(negated);
    expect(factTokens("The user never drinks coffee")).toEqual(negated);
  });
});

describe("factSimilarity", () => {
  it("is 1 for the same fact worded differently and 0 for unrelated facts", () => {
    expect(factSimilarity("The user is allergic to peanuts.", "the user is allergic to peanuts")).toBe(1);
    expect(factSimilarity("The user lives in Lyon.", "The user likes jazz.")).toBe(0);
  });

  it("separates a fact from its negation, and matches two negated forms", () => {
    expect(factSimilarity("The user drinks coffee.", "The user does not drink coffee.")).toBe(0);
    expect(
      factSimilarity("The user no longer drinks coffee.", "The user doesn't drink coffee."),
    ).toBeGreaterThan(0.8);
  });

  it("puts a paraphrase that shares most content words above the threshold", () => {
    const s = factSimilarity("The user usually meal preps on Sundays.", "The user meal preps on Sundays.");
    expect(s).toBeGreaterThanOrEqual(MATCH_THRESHOLD);
  });

  it("puts a fact that only shares its subject below the threshold", () => {
    const s = factSimilarity("The user's wife is named Clara.", "The user's wife loves gardening.");
    expect(s).toBeLessThan(MATCH_THRESHOLD);
  });
});

describe("scoreExtraction", () => {
  it("counts true and false positives and false negatives", () => {
    const s = scoreExtraction(
      [f("The user is allergic to peanuts."), f("The user lives in Lyon."), f("The user is 34 years old.")],
      [
        f("The user is allergic to peanuts."),
        f("The user lives in Lyon, France."),
        f("The user likes jazz."),
      ],
    );
    expect(s).toMatchObject({ truePositives: 2, falsePositives: 1, falseNegatives: 1 });
    expect(s.precision).toBeCloseTo(2 / 3);
    expect(s.recall).toBeCloseTo(2 / 3);
  });

  it("matches one to one: two copies of a fact count once", () => {
    const s = scoreExtraction(
      [f("The user lives in Lyon.")],
      [f("The user lives in Lyon."), f("The user lives in Lyon")],
    );
    expect(s).toMatchObject({ truePositives: 1, falsePositives: 1, falseNegatives: 0 });
  });

  it("pairs the most similar facts first, not the first ones found", () => {
    const expected = [f("The user's sister Anna lives in Lyon."), f("The user's sister is named Anna.")];
    const actual = [f("The user's sister is named Anna."), f("The user's sister Anna lives in Lyon.")];
    const s = scoreExtraction(expected, actual);
    expect(s.truePositives).toBe(2);
    expect(s.matches.map((m) => [m.expected, m.actual])).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it("ignores categories for matching and reports their accuracy", () => {
    const s = scoreExtraction(
      [f("The user runs three times a week.", "behavioral"), f("The user is vegetarian.", "preference")],
      [f("The user runs three times a week.", "factual"), f("The user is vegetarian.", "preference")],
    );
    expect(s.truePositives).toBe(2);
    expect(s.categoryMatches).toBe(1);
    expect(s.categoryAccuracy).toBe(0.5);
  });

  it("gives precision and recall of 1 when there is nothing to find and nothing found", () => {
    expect(scoreExtraction([], [])).toMatchObject({ precision: 1, recall: 1, truePositives: 0 });
    expect(scoreExtraction([], [f("The user likes jazz.")])).toMatchObject({ precision: 0, recall: 1 });
    expect(scoreExtraction([f("The user likes jazz.")], [])).toMatchObject({ precision: 1, recall: 0 });
  });

  it("respects a custom threshold", () => {
    const expected = [f("The user lives in an old farmhouse in Vermont.")];
    const actual = [f("The user lives in Vermont.")];
    expect(scoreExtraction(expected, actual, 0.9).truePositives).toBe(0);
    expect(scoreExtraction(expected, actual, 0.5).truePositives).toBe(1);
  });
});

describe("sumScores", () => {
  it("micro-averages over conversations", () => {
    const a = scoreExtraction([f("The user likes jazz.")], [f("The user likes jazz.")]);
    const b = scoreExtraction([f("The user lives in Lyon."), f("The user is 34 years old.")], []);
    const total = sumScores([a, b]);
    expect(total).toMatchObject({ truePositives: 1, falsePositives: 0, falseNegatives: 2 });
    expect(total.precision).toBe(1);
    expect(total.recall).toBeCloseTo(1 / 3);
    expect(total.categoryAccuracy).toBe(1);
  });
});
