import type { KeyValue } from "./ports.js";

/** Walks SCAN MATCH over a prefix, handing each page's keys (possibly none) to `page`. */
export type ScanWalk = (prefix: string, page: (keys: string[]) => Promise<void>) => Promise<void>;

/**
 * KV1–KV2 over a SCAN walk and UNLINK, as the Redis and Upstash adapters both speak
 * them: SCAN may return a key more than once while the keyspace is rehashed, so `scan`
 * keeps each once and `deletePrefix` counts what UNLINK says it removed.
 */
export function prefixOperations(
  walk: ScanWalk,
  unlink: (keys: string[]) => Promise<number>,
): Pick<KeyValue, "scan" | "deletePrefix"> {
  return {
    async scan(prefix, onPage) {
      const found = new Set<string>();
      await walk(prefix, async (keys) => {
        for (const k of keys) found.add(k);
        await onPage?.(keys.length);
      });
      return [...found];
    },
    async deletePrefix(prefix, onPage) {
      let n = 0;
      await walk(prefix, async (keys) => {
        const deleted = keys.length > 0 ? await unlink(keys) : 0;
        n += deleted;
        await onPage?.(deleted);
      });
      return n;
    },
  };
}
