/**
 * A bounded per-process (per-isolate on Workers) cache whose entries live at most
 * `ttlMs`, which bounds how stale a reader can be; the oldest entry goes first when
 * full. Time is passed in, so callers and tests control the clock. Pure state, no I/O.
 */
export interface TtlCache<V> {
  /** The value, or undefined when absent or older than the TTL. */
  get(key: string, now: number): V | undefined;
  set(key: string, value: V, now: number): void;
  /** Drops the entry (and, when coalescing, the load in flight: its result is not kept). */
  delete(key: string): void;
  /**
   * The cached value, else `loader`'s (cached unless `keep` says no). With `coalesce`,
   * callers that miss while a load for the same key is in flight share it: when an
   * entry expires under load, one lookup runs instead of one per request in flight.
   */
  load(key: string, now: number, loader: () => Promise<V>, keep?: (value: V) => boolean): Promise<V>;
}

/**
 * `coalesce` is for a long-lived process (Node); an isolate keeps it off, since a load
 * shared across requests would tie one request's answer to another's I/O.
 */
export function createTtlCache<V>(
  ttlMs: number,
  maxEntries: number,
  options: { coalesce?: boolean } = {},
): TtlCache<V> {
  const entries = new Map<string, { value: V; at: number }>();
  const inflight = new Map<string, Promise<V>>();
  const cache: TtlCache<V> = {
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
      inflight.delete(key);
    },
    async load(key, now, loader, keep = () => true) {
      const hit = cache.get(key, now);
      if (hit !== undefined) return hit;
      if (!options.coalesce) {
        const value = await loader();
        if (keep(value)) cache.set(key, value, now);
        return value;
      }
      const pending = inflight.get(key);
      if (pending) return pending;
      const started = loader().then(
        (value) => {
          // Not kept if the key was deleted (a write, a revocation) while this load ran.
          if (inflight.get(key) === started) {
            inflight.delete(key);
            if (keep(value)) cache.set(key, value, now);
          }
          return value;
        },
        (err: unknown) => {
          if (inflight.get(key) === started) inflight.delete(key);
          throw err;
        },
      );
      inflight.set(key, started);
      return started;
    },
  };
  return cache;
}
