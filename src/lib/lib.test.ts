import { describe, expect, it } from "vitest";
import { hmacSha256Hex, sha256Hex, timingSafeEqual } from "./crypto.js";
import { decodeCursor, encodeCursor, toPage } from "./cursor.js";
import { AppError, ERROR_CODES, ERROR_TABLE, redactedCause } from "./errors.js";
import { isUuid, uuidv7 } from "./ids.js";

describe("uuidv7", () => {
  it("is a valid version-7 UUID ordered by time", () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    expect(isUuid(a)).toBe(true);
    expect(a[14]).toBe("7");
    expect(["8", "9", "a", "b"]).toContain(a[19]);
    expect(a < b).toBe(true);
    expect(a.slice(0, 13)).toBe("018bcfe5-6800");
  });
});

describe("cursor", () => {
  it("round-trips and rejects forgeries", () => {
    const id = uuidv7();
    expect(decodeCursor(encodeCursor(id))).toBe(id);
    for (const bad of ["", "@@@", btoa("v1:not-a-uuid"), btoa(`v2:${id}`)]) {
      expect(() => decodeCursor(bad)).toThrowError(AppError);
    }
  });

  it("pages from limit+1 rows", () => {
    const rows = [{ id: uuidv7() }, { id: uuidv7() }, { id: uuidv7() }];
    expect(toPage(rows, 2).next_cursor).toBe(encodeCursor(rows[1]?.id ?? ""));
    expect(toPage(rows, 3).next_cursor).toBeNull();
  });
});

describe("crypto", () => {
  it("computes SHA-256 and HMAC-SHA-256 (RFC 4231 case 2)", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(await hmacSha256Hex("Jefe", "what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("compares strings without early exit semantics leaking into results", () => {
    expect(timingSafeEqual("abc", "abc")).toBe(true);
    expect(timingSafeEqual("abc", "abd")).toBe(false);
    expect(timingSafeEqual("abc", "abcd")).toBe(false);
    expect(timingSafeEqual("", "")).toBe(true);
  });
});

describe("error table", () => {
  it("maps every code to an HTTP status and a Connect code", () => {
    for (const code of ERROR_CODES) {
      expect(ERROR_TABLE[code].status).toBeGreaterThanOrEqual(400);
      expect(ERROR_TABLE[code].connect).toMatch(/^[a-z_]+$/);
    }
    expect(new AppError("UNAVAILABLE", "x").retryable).toBe(true);
    expect(new AppError("INVALID_ARGUMENT", "x").retryable).toBe(false);
    expect(new AppError("RESOURCE_EXHAUSTED", "x", { status: 413 }).status).toBe(413);
  });
});

describe("redactedCause", () => {
  it("keeps a store error's class and code, never its message or stack", () => {
    const path = "/srv/engram/blobs/0190aa00-0000-7000-8000-000000000001/agent/2026/01/conv-42.ndjson.gz";
    const fs = Object.assign(new Error(`EACCES: permission denied, open '${path}'`), {
      code: "EACCES",
      path,
    });
    const kept = redactedCause(fs);
    expect(kept).toMatchObject({ name: "Error", message: "EACCES", code: "EACCES" });
    expect(JSON.stringify({ m: kept.message, s: kept.stack, ...kept })).not.toContain("conv-42");
    const sdk = Object.assign(new Error("The bucket key a/b/c is odd"), { name: "NoSuchBucket" });
    expect(redactedCause(sdk)).toMatchObject({ name: "NoSuchBucket", message: "NoSuchBucket" });
    expect(redactedCause("a/b/c").message).toBe("Error");
    expect(
      redactedCause(Object.assign(new Error("x"), { name: "has spaces a/b", code: "a/b" })).message,
    ).toBe("Error");
  });
});
