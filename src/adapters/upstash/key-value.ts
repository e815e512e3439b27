import { Redis } from "@upstash/redis";
import { kvCall } from "../../kv/errors.js";
import type { KeyValue } from "../../kv/ports.js";
import { prefixOperations } from "../../kv/prefix-operations.js";
import {
  appendResult,
  INCR_LUA,
  LIST_APPEND_LUA,
  prefixPattern,
  SCAN_BATCH,
  topOf,
  ZADD_TRIM_LUA,
  ZREPLACE_LUA,
  zpairs,
} from "../../kv/scripts.js";

export interface UpstashKeyValueOptions {
  url: string;
  token: string;
}

/**
 * A KeyValue over Upstash's REST API (Workers and anywhere without TCP). Values are
 * stored as given: the client's automatic JSON (de)serialisation is off.
 */
export function createUpstashKeyValue(options: UpstashKeyValueOptions): KeyValue {
  const redis = new Redis({
    url: options.url,
    token: options.token,
    automaticDeserialization: false,
    // One attempt: callers (jobs, the hot path) decide about retries. `retry: false`
    // would still try twice, and a blind retry of an append after an ambiguous
    // failure could apply it twice.
    retry: { retries: 0 },
    enableTelemetry: false,
  });
  const run = kvCall;
  /** Walks SCAN MATCH over REST, handing every page (an empty one too) to `page`. */
  const eachPage = async (prefix: string, page: (keys: string[]) => Promise<void>) => {
    const match = prefixPattern(prefix);
    let cursor = "0";
    do {
      // Raw reply (deserialisation is off): [cursor, keys], the cursor as a string.
      const reply = (await redis.scan(cursor, { match, count: SCAN_BATCH })) as unknown as [
        string | number,
        string[],
      ];
      const keys = reply[1] ?? [];
      await page(keys.map(String));
      cursor = String(reply[0]);
    } while (cursor !== "0");
  };
  const prefixes = prefixOperations(eachPage, (keys) => redis.unlink(...keys));
  return {
    get: (key) => run(async () => (await redis.get<string>(key)) ?? null),
    set: (key, value, ttlSeconds) =>
      run(async () => {
        if (ttlSeconds) await redis.set(key, value, { ex: ttlSeconds });
        else await redis.set(key, value);
      }),
    del: (keys) => run(() => (keys.length ? redis.del(...keys) : Promise.resolve(0))),
    listAll: (key) => run(() => redis.lrange<string>(key, 0, -1)),
    listReplace: (key, values) =>
      run(async () => {
        const tx = redis.multi().del(key);
        if (values.length) tx.rpush(key, ...values);
        await tx.exec();
      }),
    listAppend: (key, values, expectedLength) =>
      run(async () =>
        appendResult(await redis.eval(LIST_APPEND_LUA, [key], [String(expectedLength ?? ""), ...values])),
      ),
    incr: (key, delta, ttlSeconds) =>
      run(async () => Number(await redis.eval(INCR_LUA, [key], [String(delta), String(ttlSeconds)]))),
    zaddTrim: (key, entries, keep, ttlSeconds) =>
      run(async () => {
        await redis.eval(ZADD_TRIM_LUA, [key], [String(keep), String(ttlSeconds), ...zpairs(entries)]);
      }),
    zreplace: (key, entries, ttlSeconds) =>
      run(async () => {
        await redis.eval(ZREPLACE_LUA, [key], [String(ttlSeconds), ...zpairs(entries)]);
      }),
    ztop: (key, count) =>
      run(async () =>
        topOf((await redis.zrange<string[]>(key, 0, -1, { rev: true, withScores: true })).map(String), count),
      ),
    zrem: (key, members) => run(() => (members.length ? redis.zrem(key, ...members) : Promise.resolve(0))),
    scan: (prefix, onPage) => run(() => prefixes.scan(prefix, onPage)),
    deletePrefix: (prefix, onPage) => run(() => prefixes.deletePrefix(prefix, onPage)),
  };
}
