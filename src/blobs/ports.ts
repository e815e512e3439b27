/** A stored object: its bytes (as stored: still compressed when encoded) and its metadata. */
export interface Blob {
  body: Uint8Array;
  contentType: string;
  /** `gzip` when the bytes are compressed (HTTP Content-Encoding); absent otherwise. */
  contentEncoding?: string;
}

/** What is written with an object's bytes. */
export interface PutOptions {
  contentType: string;
  contentEncoding?: string;
}

/** A link that fetches one object without credentials, until it expires. */
export interface PresignedUrl {
  url: string;
  /** Unix milliseconds. */
  expiresAt: number;
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
 * - B5 `contentEncoding` written with an object is returned with it; the bytes are
 *   returned as stored (never decoded by the store).
 * - B6 `list` returns exactly the keys under the prefix, sorted, across pages.
 * - B7 `presignGet`, where the store has it, returns a URL that fetches the object's
 *   bytes with no credentials until it expires, and nothing after.
 */
export interface BlobStore {
  put(key: string, body: Uint8Array, opts: PutOptions): Promise<void>;
  get(key: string): Promise<Blob | null>;
  delete(key: string): Promise<void>;
  deletePrefix(prefix: string): Promise<number>;
  /**
   * Every key under `prefix` (which ends with `/`), sorted. A store that lists in pages
   * awaits `onPage` after each (a long listing's caller renews its job's lease there);
   * its failure fails the listing.
   */
  list(prefix: string, onPage?: () => Promise<void>): Promise<string[]>;
  /**
   * A pre-signed GET URL valid `expiresInSeconds` (S3-compatible stores). Absent where
   * the store cannot sign (files on disk, an R2 binding): callers then serve the object
   * through a link Engram signs itself.
   */
  presignGet?(key: string, expiresInSeconds: number): Promise<PresignedUrl>;
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

/**
 * `list` over a store's listing pages (B6): every key, `onPage` awaited after each page,
 * sorted — keys are ASCII, so this is the byte order S3 and R2 list in anyway, kept
 * whatever order a compatible server answers in.
 */
export async function collectListing(
  pages: AsyncIterable<string[]>,
  onPage?: () => Promise<void>,
): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of pages) {
    keys.push(...page);
    await onPage?.();
  }
  return keys.sort();
}
