import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { gunzip, gzip } from "./gzip.js";

const text = (s: string) => new TextEncoder().encode(s);

describe("gzip", () => {
  it("round-trips, and standard gunzip reads it", async () => {
    const input = "line ✓\n".repeat(10_000);
    const packed = await gzip([text(input)]);
    expect(packed.length).toBeLessThan(input.length / 10);
    expect(new TextDecoder().decode(await gunzip(packed))).toBe(input);
    expect(gunzipSync(packed).toString("utf8")).toBe(input);
  });

  it("gives the same bytes for the same text, however it is chunked", async () => {
    const one = await gzip([text("abc".repeat(5_000))]);
    const many = await gzip(Array.from({ length: 5_000 }, () => text("abc")));
    expect(Buffer.from(many).equals(Buffer.from(one))).toBe(true);
  });

  it("rejects bytes that are not a whole gzip stream", async () => {
    const packed = await gzip([text("hello")]);
    await expect(gunzip(text("{}"))).rejects.toThrow();
    await expect(gunzip(packed.slice(0, packed.length - 4))).rejects.toThrow();
  });
});
