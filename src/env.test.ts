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

  it("requires both S3 keys with S3_BUCKET, and parses the S3 options", () => {
    const keys = { S3_ACCESS_KEY_ID: "AKIDEXAMPLE", S3_SECRET_ACCESS_KEY: "s3-secret-value" };
    try {
      parseConfig({ S3_BUCKET: "engram-archives", S3_SECRET_ACCESS_KEY: "s3-secret-value" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.map((i) => i.split(":")[0])).toEqual(["S3_ACCESS_KEY_ID"]);
      expect((err as ConfigError).message).not.toContain("s3-secret-value");
    }
    expect(() => parseConfig({ S3_BUCKET: "engram-archives" })).toThrow(/S3_SECRET_ACCESS_KEY/);
    // Keys without a bucket are inert: the store stays the default.
    expect(parseConfig(keys).S3_BUCKET).toBeUndefined();
    const c = parseConfig({ ...keys, S3_BUCKET: "engram-archives", S3_FORCE_PATH_STYLE: "1" });
    expect(c).toMatchObject({ S3_BUCKET: "engram-archives", S3_REGION: "auto", S3_FORCE_PATH_STYLE: true });
    expect(c.S3_ENDPOINT).toBeUndefined();
    expect(() => parseConfig({ ...keys, S3_BUCKET: "engram-archives", S3_ENDPOINT: "not a url" })).toThrow(
      /S3_ENDPOINT/,
    );
  });
});
