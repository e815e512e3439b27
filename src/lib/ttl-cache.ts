/**
 * A bounded per-process (per-isolate on Workers) cache whose entries live at most
 * `ttlMs`, which bounds how stale a reader can be; the oldest entry goes first when
 * full. Time is passed in, so callers and tests control the clock. Pure state, no I/O.
 */
export interface TtlCache<V> {
  /** The value, or undefined when absent or older than the TTL. */
  get(key: string, now: number): V | undefined;
  set(key: string, value: V, now: number): void;
  delete(key: string): void;
}

export function createTtlCache<V>(ttlMs: number, maxEntries: number): TtlCache<V> {
  const entries = new Map<string, { value: V; at: number }>();
  return {
    get(key, now) {
      const e = entries.get(key);
      if (!e) return undefined;
      if (now - e.at >= ttlMs) {
        entries.delete(key);
        return undefined;
      }
      return e.value;
    },
    set(key, value, now) {
      if (ttlMs <= 0) return;
      if (entries.size >= maxEntries && !entries.has(key)) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      entries.set(key, { value, at: now });
    },
    delete(key) {
      entries.delete(key);
    },
  };
}
