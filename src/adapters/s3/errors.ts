import { AppError } from "../../lib/errors.js";

// Answers that say "try again later" even though some come with a 4xx status.
const TRANSIENT = new Set([
  "SlowDown",
  "ServiceUnavailable",
  "InternalError",
  "RequestTimeout",
  "RequestTimeTooSkewed",
  "TooManyRequests",
  "TooManyRequestsException",
  "ThrottlingException",
  "TimeoutError",
  "AbortError",
]);

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * The S3 error code (the SDK's error name), or a system error's code (ECONNREFUSED)
 * when the name is generic; only ever a plain identifier, never a message or a key.
 */
function codeOf(err: unknown): string {
  const { name, code } = (err ?? {}) as { name?: unknown; code?: unknown };
  if (typeof name === "string" && IDENTIFIER.test(name) && !/^(Type)?Error$/.test(name)) return name;
  return typeof code === "string" && IDENTIFIER.test(code) ? code : "unknown";
}

/**
 * Turns an SDK failure into an AppError whose message names only the S3 error code:
 * transport faults, throttling and 5xx are UNAVAILABLE (retryable, so jobs try again);
 * any other refusal (access denied, a missing bucket, a bad signature) is INTERNAL and
 * not retryable, since the same request will be refused again until configuration changes.
 * @throws AppError always.
 */
export function mapS3Error(err: unknown): never {
  const code = codeOf(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  // No status: the request never got an answer (refused connection, DNS, timeout).
  if (status === undefined || status >= 500 || status === 429 || TRANSIENT.has(code)) {
    throw new AppError("UNAVAILABLE", `object storage unavailable (${code})`, { retryable: true });
  }
  throw new AppError("INTERNAL", `object storage refused the request (${code}, ${status})`, {
    retryable: false,
  });
}
