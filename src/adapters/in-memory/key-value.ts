import type { KeyValue } from "../../kv/ports.js";
import type { Clock } from "../../lib/clock.js";
import { systemClock } from "../../lib/clock.js";

type Entry = { value: string | string[] | Map<string, number>; expiresAt: number | null };

/** Process-local KeyValue; a real implementation that passes the same contract suite. */
export function createMemoryKeyValue(clock: Clock = systemClock): KeyValue {
  const data = new Map<string, Entry>();
  const live = (key: string): Entry | undefined => {
    const e = data.get(key);
    if (e && e.expiresAt !== null && e.expiresAt <= clock.now()) {
      data.delete(key);
      return undefined;
    }
    return e;
  };
  const list = (key: string): string[] => {
    const e = live(key);
    if (e && !Array.isArray(e.value)) throw new Error("WRONGTYPE value is not a list");
    return (e?.value as string[] | undefined) ?? [];
  };
  const zset = (key: string): Map<string, number> => {
    const e = live(key);
    if (e && !(e.value instanceof Map)) throw new Error("WRONGTYPE value is not a sorted set");
    return (e?.value as Map<string, number> | undefined) ?? new Map();
  };
  const ranked = (z: Map<string, number>) =>
    // Redis' reverse order: score descending, then member descending.
    [...z.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0));
  return {
    async get(key) {
      const e = live(key);
      if (e && typeof e.value !== "string") throw new Error("WRONGTYPE value is not a string");
      return (e?.value as string | undefined) ?? null;
    },
    async set(key, value, ttlSeconds) {
      data.set(key, { value, expiresAt: ttlSeconds ? clock.now() + ttlSeconds * 1000 : null });
    },
    async del(keys) {
      let n = 0;
      for (const k of keys) if (live(k) && data.delete(k)) n++;
      return n;
    },
    async listAll(key) {
      return [...list(key)];
    },
    async listReplace(key, values) {
      if (values.length === 0) data.delete(key);
      else data.set(key, { value: [...values], expiresAt: null });
    },
    async listAppend(key, values, expectedLength) {
      const current = list(key);
      if (expectedLength !== undefined && current.length !== expectedLength) return null;
      const next = [...current, ...values];
      if (next.length > 0) data.set(key, { value: next, expiresAt: live(key)?.expiresAt ?? null });
      return next.length;
    },
    async incr(key, delta, ttlSeconds) {
      const e = live(key);
      if (e && typeof e.value !== "string") throw new Error("WRONGTYPE value is not a string");
      const next = Number(e?.value ?? 0) + delta;
      data.set(key, { value: String(next), expiresAt: e?.expiresAt ?? clock.now() + ttlSeconds * 1000 });
      return next;
    },
    async zaddTrim(key, entries, keep, ttlSeconds) {
      const z = new Map(zset(key));
      for (const { member, score } of entries) z.set(member, score);
      const kept = new Map(ranked(z).slice(0, keep));
      data.set(key, { value: kept, expiresAt: clock.now() + ttlSeconds * 1000 });
    },
    async zreplace(key, entries, ttlSeconds) {
      if (entries.length === 0) {
        data.delete(key);
        return;
      }
      data.set(key, {
        value: new Map(entries.map((e) => [e.member, e.score])),
        expiresAt: clock.now() + ttlSeconds * 1000,
      });
    },
    async ztop(key, count) {
      return ranked(zset(key))
        .slice(0, count)
        .map(([m]) => m);
    },
    async zrem(key, members) {
      const z = zset(key);
      let n = 0;
      for (const m of members) if (z.delete(m)) n++;
      return n;
    },
    async scan(prefix, onPage) {
      if (prefix.length === 0) throw new Error("key prefix must not be empty");
      const found = [...data.keys()].filter((k) => k.startsWith(prefix) && live(k));
      await onPage?.(found.length);
      return found;
    },
    async deletePrefix(prefix, onPage) {
      if (prefix.length === 0) throw new Error("key prefix must not be empty");
      let n = 0;
      for (const k of [...data.keys()]) if (k.startsWith(prefix) && live(k) && data.delete(k)) n++;
      await onPage?.(n);
      return n;
    },
  };
}
