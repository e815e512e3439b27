import { Redis } from "ioredis";
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

export interface RedisKeyValueOptions {
  /** `redis://[:password@]host:port[/db]` */
  url: string;
  /** How long a command may wait for a connection before failing (ms). */
  connectTimeoutMs?: number;
}

/** A KeyValue over Redis' TCP protocol (self-hosting), plus the client for closing. */
export function createRedisKeyValue(options: RedisKeyValueOptions): KeyValue & { close(): Promise<void> } {
  const redis = new Redis(options.url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    // A command in flight when the connection drops fails instead of being re-sent
    // after reconnecting: re-sending an append after an ambiguous failure could
    // apply it twice. Callers decide about retries.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
  });
  // Without a listener ioredis logs connection errors itself; commands still reject.
  redis.on("error", () => {});
  // Once connected, a lost connection fails commands at once instead of queueing them
  // until a reconnect succeeds or gives up (a second and more per command): callers
  // degrade or retry, and a Redis outage does not become a wait on every request.
  let connected = false;
  redis.on("ready", () => {
    connected = true;
  });
  const down = () => connected && redis.status !== "ready";
  const run = <T>(fn: () => Promise<T>): Promise<T> =>
    down() ? kvCall(() => Promise.reject(new Error("redis connection lost"))) : kvCall(fn);
  /** Walks SCAN MATCH over the prefix, handing every page (an empty one too) to `page`. */
  const eachPage = async (prefix: string, page: (keys: string[]) => Promise<void>) => {
    const match = prefixPattern(prefix);
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", match, "COUNT", SCAN_BATCH);
      await page(keys);
      cursor = next;
    } while (cursor !== "0");
  };
  const prefixes = prefixOperations(eachPage, (keys) => redis.unlink(...keys));
  return {
    get: (key) => run(() => redis.get(key)),
    set: (key, value, ttlSeconds) =>
      run(async () => {
        if (ttlSeconds) await redis.set(key, value, "EX", ttlSeconds);
        else await redis.set(key, value);
      }),
    del: (keys) => run(() => (keys.length ? redis.del(...keys) : Promise.resolve(0))),
    listAll: (key) => run(() => redis.lrange(key, 0, -1)),
    listReplace: (key, values) =>
      run(async () => {
        const tx = redis.multi().del(key);
        if (values.length) tx.rpush(key, ...values);
        const results = await tx.exec();
        const failed = results?.find(([err]) => err);
        if (!results || failed) throw failed?.[0] ?? new Error("transaction aborted");
      }),
    listAppend: (key, values, expectedLength) =>
      run(async () =>
        appendResult(await redis.eval(LIST_APPEND_LUA, 1, key, expectedLength ?? "", ...values)),
      ),
    incr: (key, delta, ttlSeconds) =>
      run(async () => Number(await redis.eval(INCR_LUA, 1, key, delta, ttlSeconds))),
    zaddTrim: (key, entries, keep, ttlSeconds) =>
      run(async () => {
        await redis.eval(ZADD_TRIM_LUA, 1, key, keep, ttlSeconds, ...zpairs(entries));
      }),
    zreplace: (key, entries, ttlSeconds) =>
      run(async () => {
        await redis.eval(ZREPLACE_LUA, 1, key, ttlSeconds, ...zpairs(entries));
      }),
    // Equal scores: Redis orders by member descending under REV; sort ties by member ascending.
    ztop: (key, count) => run(async () => topOf(await redis.zrange(key, 0, -1, "REV", "WITHSCORES"), count)),
    zrem: (key, members) => run(() => (members.length ? redis.zrem(key, ...members) : Promise.resolve(0))),
    scan: (prefix, onPage) => run(() => prefixes.scan(prefix, onPage)),
    deletePrefix: (prefix, onPage) => run(() => prefixes.deletePrefix(prefix, onPage)),
    close: async () => {
      redis.disconnect();
    },
  };
}
