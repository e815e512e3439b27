/**
 * The key-value port: the subset of Redis that caches, chat histories, hot sets and
 * rate limits need. Adapters: in-memory, Redis over TCP (ioredis), Upstash REST.
 * Values are strings; callers serialise. Every key the app writes for an org starts
 * with `{org_id}:`, so the org purge finds them by prefix (ADR-0045). The one
 * exception is the embedding cache (`embed:v1:{model}:{sha256}`): shared by every org,
 * a vector under a hash of the text, expiring within an hour — not attributable to an
 * org and not part of its purge.
 * - KV1 `scan(prefix)` returns every live key that starts with `prefix`, each once;
 *   characters Redis treats as glob syntax (`*`, `?`, `[`, `]`, `\`) match literally.
 * - KV2 `deletePrefix(prefix)` deletes exactly those keys (none outside the prefix)
 *   and returns how many it deleted; an empty prefix is refused.
 */
export interface KeyValue {
  get(key: string): Promise<string | null>;
  /** Sets a value, with an optional time to live in seconds. */
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  /** Deletes keys; returns how many existed. */
  del(keys: string[]): Promise<number>;
  /** The whole list (empty when the key does not exist). */
  listAll(key: string): Promise<string[]>;
  /** Replaces a list atomically: readers see the old or the new list, never a mix. */
  listReplace(key: string, values: string[]): Promise<void>;
  /**
   * Appends atomically. With `expectedLength`, appends only when the list has exactly
   * that length. Returns the new length, or null when the expectation failed.
   */
  listAppend(key: string, values: string[], expectedLength?: number): Promise<number | null>;
  /**
   * Adds `delta` to an integer counter atomically and returns the new value; a new
   * counter starts at 0 and expires after `ttlSeconds` (the TTL is not extended).
   */
  incr(key: string, delta: number, ttlSeconds: number): Promise<number>;
  /**
   * Adds or re-scores members of a sorted set, keeps only the `keep` highest scores and
   * sets the TTL — all in one atomic step.
   */
  zaddTrim(
    key: string,
    entries: { member: string; score: number }[],
    keep: number,
    ttlSeconds: number,
  ): Promise<void>;
  /** Replaces a sorted set atomically with exactly `entries` (and the TTL). */
  zreplace(key: string, entries: { member: string; score: number }[], ttlSeconds: number): Promise<void>;
  /** Members by score, highest first (equal scores: member descending), at most `count`. */
  ztop(key: string, count: number): Promise<string[]>;
  /** Removes members; returns how many were present. */
  zrem(key: string, members: string[]): Promise<number>;
  /**
   * KV1: every live key starting with `prefix` (non-empty), in no particular order.
   * `onPage` is awaited after every page of the walk (SCAN may walk the whole keyspace
   * to find a few keys: a long walk's caller renews its job's lease there), with the
   * keys that page found.
   */
  scan(prefix: string, onPage?: (found: number) => Promise<void>): Promise<string[]>;
  /**
   * KV2: deletes every key starting with `prefix` (non-empty), in batches; returns how
   * many. `onPage` is awaited after every page with the keys that page deleted (the
   * counts add up to the result).
   */
  deletePrefix(prefix: string, onPage?: (deleted: number) => Promise<void>): Promise<number>;
}
