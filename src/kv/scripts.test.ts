import { describe, expect, it } from "vitest";
import { prefixPattern } from "./scripts.js";

describe("prefixPattern", () => {
  it("appends the wildcard to a plain prefix", () => {
    expect(prefixPattern("0190abcd:")).toBe("0190abcd:*");
  });

  it("escapes every glob character so the prefix matches literally", () => {
    expect(prefixPattern("a*b?c[d]e\\f:")).toBe("a\\*b\\?c\\[d\\]e\\\\f:*");
  });

  it("refuses an empty prefix", () => {
    expect(() => prefixPattern("")).toThrow();
  });
});
