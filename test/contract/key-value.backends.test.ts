import { createMemoryKeyValue } from "../../src/adapters/in-memory/key-value.js";
import { createRedisKeyValue } from "../../src/adapters/redis/key-value.js";
import { createUpstashKeyValue } from "../../src/adapters/upstash/key-value.js";
import { REDIS_URL } from "../support/redis.js";
import { startUpstashServer } from "../support/upstash-server.js";
import { runKeyValueContract } from "./key-value.contract.js";

runKeyValueContract("in-memory", async () => ({ kv: createMemoryKeyValue(), close: async () => {} }));

runKeyValueContract("redis (TCP)", async () => {
  const kv = createRedisKeyValue({ url: REDIS_URL });
  return { kv, close: () => kv.close() };
});

runKeyValueContract("upstash (REST, in front of redis)", async () => {
  const server = await startUpstashServer({ redisUrl: REDIS_URL });
  return { kv: createUpstashKeyValue({ url: server.url, token: server.token }), close: () => server.stop() };
});
