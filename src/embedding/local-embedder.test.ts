import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cosine } from "../memory/vectors.js";
import { LOCAL_DIMENSION, localEmbed } from "./local-embedder.js";
import { stem, words } from "./text.js";

describe("local embedder", () => {
  it("gives 384 finite numbers of unit length, the same on every call", () => {
    const v = localEmbed("I prefer aisle seats");
    expect(v).toHaveLength(LOCAL_DIMENSION);
    expect(Math.hypot(...v)).toBeCloseTo(1, 12);
    expect(localEmbed("I prefer aisle seats")).toEqual(v);
  });

  it("gives exactly the vectors already stored: same bits as every earlier build", () => {
    // Stored memories keep the vectors they were embedded with; a query embedded any
    // differently (even in the last bit, from summing in another order) would drift
    // from them. The digest pins the bits of these texts' vectors.
    const texts = [
      "The user prefers window seats on long flights",
      "Colour, color, colours!",
      "the the the of and",
      "😀 !!",
      "Ünïcödé naïve café résumé",
      "a b c d e f g h i j k l m n o p q r s t u v w x y z ".repeat(20),
      "running runs ran runner running",
      // Three or more features share a dimension here, so their order of addition shows.
      "Pack light for the Lisbon trip: two shirts, walking shoes, a rain jacket and the charger for the old laptop; remember the museum tickets, the ferry timetable and Maria's birthday dinner on Friday at the seafood place near the river.",
    ];
    const digest = createHash("sha256");
    for (const t of texts) digest.update(new Uint8Array(Float64Array.from(localEmbed(t)).buffer));
    expect(digest.digest("hex")).toBe("2482f5062aec248da0bc81bb986e0643aa883997ffbac30b46a03da31ccfdd5c");
  });

  it("scores paraphrases with shared words high and unrelated text near zero", () => {
    const a = localEmbed("I like dark roast coffee");
    expect(cosine(a, localEmbed("She likes coffee, dark roasted"))).toBeGreaterThan(0.6);
    expect(Math.abs(cosine(a, localEmbed("The meeting moved to Tuesday afternoon")))).toBeLessThan(0.2);
  });

  it("relates inflections and near spellings through stems and character trigrams", () => {
    expect(cosine(localEmbed("running shoes"), localEmbed("run shoe"))).toBeGreaterThan(0.7);
    expect(cosine(localEmbed("favourite colour"), localEmbed("favorite color"))).toBeGreaterThan(0.3);
  });

  it("folds case and accents, and gives punctuation-only text a stable vector", () => {
    expect(localEmbed("CAFÉ Résumé")).toEqual(localEmbed("cafe resume"));
    const e = localEmbed("!!! 🙂");
    expect(Math.hypot(...e)).toBeCloseTo(1, 12);
    expect(localEmbed("!!! 🙂")).toEqual(e);
  });

  it("rejects blank and over-long text", () => {
    expect(() => localEmbed("  ")).toThrow();
    expect(() => localEmbed("x".repeat(8193))).toThrow();
  });
});

describe("text helpers", () => {
  it("splits on non-letters after normalising", () => {
    expect(words("Hello, WORLD! Ünïcode-42")).toEqual(["hello", "world", "unicode", "42"]);
  });

  it("stems common English suffixes without mangling short words", () => {
    expect(["likes", "liked", "liking", "like"].map(stem)).toEqual(["lik", "lik", "lik", "lik"]);
    expect(stem("cats")).toBe("cat");
    expect(stem("bus")).toBe("bus");
    expect(stem("2023s")).toBe("2023s");
  });
});
