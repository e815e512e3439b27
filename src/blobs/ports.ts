/** A stored object: its bytes and the metadata written with them. */
export interface Blob {
  body: Uint8Array;
  contentType: string;
}

/**
 * Object storage for exports and archives (R2/S3 in production, files on disk on
 * Node, a map in tests). Keys are `/`-separated paths that start with the owning
 * org's id, so deleting an org's prefix removes everything it stored.
 *
 * Invariants (the contract suite checks each):
 * - B1 `put` then `get` returns the same bytes and content type; `put` overwrites.
 * - B2 `get` of a missing key returns null; `delete` of a missing key succeeds.
 * - B3 `deletePrefix` removes exactly the keys under the prefix and returns how many.
 * - B4 keys with `..`, a leading `/`, empty segments or control characters are rejected.
 */
export interface BlobStore {
  put(key: string, body: Uint8Array, opts: { contentType: string }): Promise<void>;
  get(key: string): Promise<Blob | null>;
  delete(key: string): Promise<void>;
  deletePrefix(prefix: string): Promise<number>;
}

const SEGMENT = /^[A-Za-z0-9._=-]+$/;

/**
 * Checks a blob key (B4): printable, relative, no traversal.
 * @throws Error when the key is unsafe (a programming error, never user input).
 */
export function assertBlobKey(key: string): void {
  const parts = key.split("/");
  if (key.length > 512 || parts.some((p) => !SEGMENT.test(p) || p === "." || p === "..")) {
    throw new Error("invalid blob key");
  }
}

/** A prefix is a key with a trailing slash. */
export function assertBlobPrefix(prefix: string): void {
  if (!prefix.endsWith("/")) throw new Error("invalid blob prefix");
  assertBlobKey(prefix.slice(0, -1));
}
