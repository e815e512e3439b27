import { AppError, redactedCause } from "../lib/errors.js";

/**
 * Runs one key-value operation, turning any transport or server failure into a
 * retryable UNAVAILABLE so callers (the hot path, jobs) can degrade or retry. The
 * cause keeps the error's class and code only: a REST client's message may quote the
 * command with its keys and values.
 */
export async function kvCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new AppError("UNAVAILABLE", "key-value store unavailable", {
      cause: redactedCause(err),
      retryable: true,
    });
  }
}
