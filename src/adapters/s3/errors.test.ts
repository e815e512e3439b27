import { describe, expect, it } from "vitest";
import { type AppError, isAppError } from "../../lib/errors.js";
import { mapS3Error } from "./errors.js";

const mapped = (err: unknown): AppError => {
  try {
    mapS3Error(err);
  } catch (e) {
    if (isAppError(e)) return e;
  }
  throw new Error("mapS3Error must throw an AppError");
};
const sdk = (name: string, status: number, message = "details") =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe("mapS3Error", () => {
  it("5xx, throttling and transport faults are UNAVAILABLE and retryable", () => {
    for (const err of [
      sdk("InternalError", 500),
      sdk("ServiceUnavailable", 503),
      sdk("SlowDown", 503),
      sdk("TooManyRequests", 429),
      sdk("RequestTimeout", 400),
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }),
      Object.assign(new Error("socket hang up"), { name: "TimeoutError" }),
    ]) {
      expect(mapped(err)).toMatchObject({ code: "UNAVAILABLE", retryable: true, status: 503 });
    }
  });

  it("refusals are INTERNAL and not retried", () => {
    for (const err of [
      sdk("AccessDenied", 403),
      sdk("SignatureDoesNotMatch", 403),
      sdk("NoSuchBucket", 404),
    ]) {
      expect(mapped(err)).toMatchObject({ code: "INTERNAL", retryable: false });
    }
  });

  it("the message names the S3 code only, never the SDK's message", () => {
    const e = mapped(sdk("AccessDenied", 403, "Access denied for key org/agent/secret-session"));
    expect(e.message).toContain("AccessDenied");
    expect(e.message).not.toContain("secret-session");
    const odd = mapped(Object.assign(new Error("x"), { name: "name with spaces and a key a/b" }));
    expect(odd.message).not.toContain("a/b");
    expect(odd.message).toContain("unknown");
  });
});
