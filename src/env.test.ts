import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./env.js";

describe("parseConfig", () => {
  it("applies defaults", () => {
    const c = parseConfig({});
    expect(c).toMatchObject({
      PORT: 8787,
      ENGRAM_DATA_DIR: "./.engram",
      LOG_LEVEL: "info",
      TOKEN_CACHE_TTL_MS: 1000,
    });
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it("coerces numbers and treats empty strings as unset", () => {
    const c = parseConfig({ PORT: "9000", DATABASE_URL: "" });
    expect(c.PORT).toBe(9000);
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it("names every bad variable without echoing secret values", () => {
    try {
      parseConfig({ PORT: "http", TOKEN_PEPPER: "short-secret", TOKEN_CACHE_TTL_MS: "5000" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const e = err as ConfigError;
      expect(e.issues.map((i) => i.split(":")[0])).toEqual(["PORT", "TOKEN_PEPPER", "TOKEN_CACHE_TTL_MS"]);
      expect(e.message).not.toContain("short-secret");
    }
  });

  it("rejects a non-postgres DATABASE_URL and a malformed bootstrap token", () => {
    expect(() => parseConfig({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    expect(() => parseConfig({ ENGRAM_BOOTSTRAP_TOKEN: "eg_pat_nope" })).toThrow(/ENGRAM_BOOTSTRAP_TOKEN/);
  });
});
