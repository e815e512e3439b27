import { createMemoryKeyValue } from "../../src/adapters/in-memory/key-value.js";
import { createRedisKeyValue } from "../../src/adapters/redis/key-value.js";
import { createUpstashKeyValue } from "../../src/adapters/upstash/key-value.js";
import { uuidv7 } from "../../src/lib/ids.js";
import { createKvChatMemory } from "../../src/memory/kv-chat-memory.js";
import { REDIS_URL } from "../support/redis.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { startUpstashServer } from "../support/upstash-server.js";
import { runChatMemoryContract } from "./chat-memory.contract.js";

const chatKey = () => `test:chat:${uuidv7()}`;

runChatMemoryContract("in-memory", async () => {
  const kv = createMemoryKeyValue();
  return { open: async () => createKvChatMemory(kv, chatKey()), close: async () => {} };
});

runChatMemoryContract("redis (TCP)", async () => {
  const kv = createRedisKeyValue({ url: REDIS_URL });
  const proxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379));
  const viaProxy = createRedisKeyValue({ url: `redis://127.0.0.1:${proxy.port}` });
  return {
    open: async () => createKvChatMemory(kv, chatKey()),
    async faulty() {
      const key = chatKey();
      // MULTI, DEL and RPUSH reach Redis; EXEC never does.
      return {
        writer: createKvChatMemory(viaProxy, key),
        reader: createKvChatMemory(kv, key),
        arm: () => proxy.cutOn("EXEC"),
      };
    },
    async close() {
      await kv.close();
      await viaProxy.close();
      await proxy.stop();
    },
  };
});

runChatMemoryContract("upstash (REST, in front of redis)", async () => {
  const server = await startUpstashServer({ redisUrl: REDIS_URL });
  const proxy = await startTcpProxy(server.port);
  const kv = createUpstashKeyValue({ url: server.url, token: server.token });
  const viaProxy = createUpstashKeyValue({ url: `http://127.0.0.1:${proxy.port}`, token: server.token });
  return {
    open: async () => createKvChatMemory(kv, chatKey()),
    async faulty() {
      const key = chatKey();
      return {
        writer: createKvChatMemory(viaProxy, key),
        reader: createKvChatMemory(kv, key),
        arm: () => proxy.cutOn("multi-exec"),
      };
    },
    async close() {
      await proxy.stop();
      await server.stop();
    },
  };
});
