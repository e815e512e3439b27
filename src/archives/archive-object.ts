import type { BlobStore } from "../blobs/ports.js";
import { AppError, isAppError, redactedCause } from "../lib/errors.js";
import { gunzip } from "../lib/gzip.js";
import { type ArchivedMessage, type ArchiveHeader, parseArchive } from "./model.js";

/**
 * Runs one object-store call; a failure that is not already an AppError (a socket
 * error, a 5xx the adapter let through) becomes a retryable UNAVAILABLE, so a job
 * retries it and a request answers 503. Its cause keeps the error's class and code
 * only: a filesystem error's message is a path full of ids.
 * @throws AppError
 */
export async function storeCall<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (isAppError(err)) throw err;
    throw new AppError("UNAVAILABLE", "object storage is unavailable", {
      cause: redactedCause(err),
      retryable: true,
    });
  }
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;

/**
 * Reads and parses the archive at `key`; null when the object is gone. Gzipped
 * bytes are recognised by their magic number (NDJSON text starts with `{`).
 * @throws UNAVAILABLE (store down), INTERNAL (the object is not a readable archive)
 */
export async function readArchiveObject(
  blobs: BlobStore,
  key: string,
): Promise<{ header: ArchiveHeader; messages: ArchivedMessage[] } | null> {
  const blob = await storeCall(() => blobs.get(key));
  if (!blob) return null;
  try {
    const gzipped = blob.body[0] === GZIP_MAGIC[0] && blob.body[1] === GZIP_MAGIC[1];
    const bytes = gzipped ? await gunzip(blob.body) : blob.body;
    return parseArchive(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    // A parse error may quote the transcript: only its class is kept.
    throw new AppError("INTERNAL", "a session archive is unreadable", {
      cause: redactedCause(err),
      retryable: false,
    });
  }
}
