import { createTtlCache } from "../lib/ttl-cache.js";

/** What authentication needs of a token row; cached for at most TOKEN_CACHE_TTL_MS. */
export interface TokenRecord {
  id: string;
  orgId: string;
  kind: "pat" | "service";
  secretHash: string;
  permissions: number;
  agentId: string | null;
  userId: string | null;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
  orgStatus: string;
}

/** A pure in-process cache (safe at module scope on Workers: it holds no I/O handle). */
export interface TokenCache {
  get(id: string, now: number): TokenRecord | undefined;
  /** Drops the entry (and, when coalescing, the load in flight: its result is not kept). */
  delete(id: string): void;
  /**
   * The cached record, else `loader`'s (cached when found). With `coalesce`, callers
   * that miss while a load for the same token is in flight share it: when the entry
   * expires under load, one lookup runs instead of one per request in flight.
   */
  load(id: string, now: number, loader: () => Promise<TokenRecord | null>): Promise<TokenRecord | null>;
}

/**
 * A bounded TTL cache. The TTL is what bounds revocation latency across isolates or
 * processes; within one Node process revocation also deletes the entry at once.
 * `coalesce` is for a long-lived process (Node); an isolate keeps it off, since a load
 * shared across requests would tie one request's answer to another's I/O.
 */
export function createTokenCache(
  ttlMs: number,
  options: { maxEntries?: number; coalesce?: boolean } = {},
): TokenCache {
  const cache = createTtlCache<TokenRecord | null>(ttlMs, options.maxEntries ?? 10_000, options);
  return {
    get: (id, now) => cache.get(id, now) ?? undefined,
    delete: (id) => cache.delete(id),
    // An unknown token is not cached: it may be created a moment later.
    load: (id, now, loader) => cache.load(id, now, loader, (record) => record !== null),
  };
}
