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
  set(id: string, record: TokenRecord, now: number): void;
  delete(id: string): void;
}

/**
 * A bounded TTL cache. The TTL is what bounds revocation latency across isolates or
 * processes; within one Node process revocation also deletes the entry at once.
 */
export function createTokenCache(ttlMs: number, maxEntries = 10_000): TokenCache {
  const entries = new Map<string, { record: TokenRecord; at: number }>();
  return {
    get(id, now) {
      const e = entries.get(id);
      if (!e) return undefined;
      if (now - e.at >= ttlMs) {
        entries.delete(id);
        return undefined;
      }
      return e.record;
    },
    set(id, record, now) {
      if (ttlMs <= 0) return;
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      entries.set(id, { record, at: now });
    },
    delete(id) {
      entries.delete(id);
    },
  };
}
