import { describe, expect, it } from "vitest";
import { contentHash, normalizeContent } from "./normalize.js";

describe("content normalisation", () => {
  it("folds case, collapses whitespace and composes Unicode", () => {
    expect(normalizeContent("  Likes   JAZZ\n\tmusic ")).toBe("likes jazz music");
    expect(normalizeContent("Cafe\u0301")).toBe(normalizeContent("Café"));
  });

  it("hashes equal texts equally and different texts differently", async () => {
    expect(await contentHash("Likes jazz")).toBe(await contentHash("  likes   JAZZ "));
    expect(await contentHash("Likes jazz")).not.toBe(await contentHash("Likes blues"));
    expect(await contentHash("x")).toMatch(/^[0-9a-f]{64}$/);
  });
});
