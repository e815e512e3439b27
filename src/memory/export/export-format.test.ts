import { describe, expect, it } from "vitest";
import { csvField } from "./export-format.js";

describe("csvField", () => {
  it.each([
    [null, ""],
    [0.25, "0.25"],
    ["plain", "plain"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["line\nbreak", '"line\nbreak"'],
    ["=1+1", "'=1+1"],
    ["+CMD", "'+CMD"],
    ["-2", "'-2"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tx", "'\tx"],
    [["a", "b"], "a|b"],
    [{ k: "v,1" }, '"{""k"":""v,1""}"'],
  ])("%j → %s", (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });
});
