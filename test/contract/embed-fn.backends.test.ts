import { createMemoryKeyValue } from "../../src/adapters/in-memory/key-value.js";
import { createRedisKeyValue } from "../../src/adapters/redis/key-value.js";
import { parseEmbedderConfig } from "../../src/embedder/config.js";
import { createEmbedderRuntime } from "../../src/embedder/runtime.js";
import { withEmbeddingCache } from "../../src/embedding/cached.js";
import { createEmbeddingServiceClient } from "../../src/embedding/http-client.js";
import { createLocalEmbedder } from "../../src/embedding/local.js";
import { LOCAL_DIMENSION, LOCAL_MODEL } from "../../src/embedding/local-embedder.js";
import { createOpenAiEmbedder } from "../../src/embedding/openai-client.js";
import type { Embedder } from "../../src/embedding/ports.js";
import { createLogger } from "../../src/lib/logger.js";
import { startFakeOpenAi } from "../support/fake-openai.js";
import { REDIS_URL } from "../support/redis.js";
import { serveOnLoopback } from "../support/serve.js";
import { runEmbedFnContract } from "./embed-fn.contract.js";

runEmbedFnContract("local embedder", async () => ({
  embedder: createLocalEmbedder(),
  close: async () => {},
}));

runEmbedFnContract("embedding-service client", async () => {
  const runtime = await createEmbedderRuntime(
    parseEmbedderConfig({ EMBEDDER_FLUSH_MS: "2" }),
    createLogger("error"),
  );
  await runtime.warmUp();
  const server = await serveOnLoopback(runtime.app.fetch);
  return {
    embedder: createEmbeddingServiceClient({
      baseUrl: server.url,
      dimension: LOCAL_DIMENSION,
      model: LOCAL_MODEL,
      timeoutMs: 2_000,
    }),
    breakBackend: () => server.stop(),
    close: async () => undefined,
  };
});

runEmbedFnContract("OpenAI-compatible client", async () => {
  const fake = await startFakeOpenAi();
  fake.state.shuffle = true; // the client must order by `index`
  return {
    embedder: createOpenAiEmbedder({
      baseUrl: fake.url,
      apiKey: fake.apiKey,
      model: "text-embedding-3-small",
      dimension: 384,
    }),
    breakBackend: () => {
      fake.state.failWith = 500;
    },
    close: () => fake.stop(),
  };
});

/** A backend that fails on demand, behind the cache. */
function breakable(inner: Embedder) {
  const state = { broken: false };
  const guard = <T>(fn: () => Promise<T>) =>
    state.broken ? Promise.reject(new Error("backend down")) : fn();
  const wrapped: Embedder = {
    model: inner.model,
    dimension: inner.dimension,
    embed: (t) => guard(() => inner.embed(t)),
    embedBatch: (ts) => guard(() => inner.embedBatch(ts)),
  };
  return { wrapped, state };
}

runEmbedFnContract("caching decorator over in-memory key-value", async () => {
  const { wrapped, state } = breakable(createLocalEmbedder());
  return {
    embedder: withEmbeddingCache(wrapped, { kv: createMemoryKeyValue() }),
    breakBackend: () => {
      state.broken = true;
    },
    close: async () => {},
  };
});

runEmbedFnContract("caching decorator over redis", async () => {
  const kv = createRedisKeyValue({ url: REDIS_URL });
  const { wrapped, state } = breakable(createLocalEmbedder());
  return {
    embedder: withEmbeddingCache(wrapped, { kv }),
    breakBackend: () => {
      state.broken = true;
    },
    close: () => kv.close(),
  };
});
