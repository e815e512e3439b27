import { createMemoryKeyValue } from "../adapters/in-memory/key-value.js";
import { createRedisKeyValue } from "../adapters/redis/key-value.js";
import { createUpstashKeyValue } from "../adapters/upstash/key-value.js";
import { withEmbeddingCache } from "../embedding/cached.js";
import { createLocalEmbedder } from "../embedding/local.js";
import type { Embedder } from "../embedding/ports.js";
import type { KeyValue } from "../kv/ports.js";
import type { Logger } from "../lib/logger.js";
import { createEmbedderApp } from "./app.js";
import { createBatcher } from "./batcher.js";
import type { EmbedderConfig } from "./config.js";
import { createOnnxEmbedder, ModelDirError } from "./onnx-backend.js";

function cacheStore(config: EmbedderConfig): KeyValue & { close?(): Promise<void> } {
  if (config.REDIS_URL) return createRedisKeyValue({ url: config.REDIS_URL });
  if (config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN) {
    return createUpstashKeyValue({
      url: config.UPSTASH_REDIS_REST_URL,
      token: config.UPSTASH_REDIS_REST_TOKEN,
    });
  }
  return createMemoryKeyValue();
}

/**
 * Builds the embedding service: the model backend (ONNX from EMBEDDING_MODEL_DIR, or
 * the built-in local embedder), the cache, the micro-batcher and the HTTP app, then
 * warms up: /ready answers 503 until a warm-up vector of the right size came back.
 * @throws ModelDirError when the model directory is unusable.
 */
export async function createEmbedderRuntime(config: EmbedderConfig, logger: Logger) {
  const backend: Embedder = config.EMBEDDING_MODEL_DIR
    ? await createOnnxEmbedder(config.EMBEDDING_MODEL_DIR, config.EMBEDDING_DIMENSION)
    : createLocalEmbedder();
  if (backend.dimension !== config.EMBEDDING_DIMENSION) {
    throw new ModelDirError(
      `model dimension ${backend.dimension} differs from EMBEDDING_DIMENSION ${config.EMBEDDING_DIMENSION}`,
    );
  }
  // auto: cache model backends only; a local vector is cheaper to compute than to look up.
  const useCache =
    config.EMBED_CACHE === "on" || (config.EMBED_CACHE === "auto" && Boolean(config.EMBEDDING_MODEL_DIR));
  const kv = useCache ? cacheStore(config) : null;
  const stats = { hits: 0, misses: 0 };
  const embedder = kv
    ? withEmbeddingCache(backend, { kv, ttlSeconds: config.EMBED_CACHE_TTL_SECONDS, logger, stats })
    : backend;
  const batcher = createBatcher((texts) => embedder.embedBatch(texts), {
    maxBatch: config.EMBEDDER_MAX_BATCH,
    flushMs: config.EMBEDDER_FLUSH_MS,
    maxQueue: config.EMBEDDER_MAX_QUEUE,
  });
  let ready = false;
  const app = createEmbedderApp({
    embedder,
    submit: (texts) => batcher.submit(texts),
    logger,
    timeoutMs: config.EMBEDDER_TIMEOUT_MS,
    isReady: () => ready,
  });
  const warmUp = async () => {
    const [v] = await backend.embedBatch(["warm-up"]);
    if (v?.length !== config.EMBEDDING_DIMENSION) {
      throw new ModelDirError(
        `warm-up returned ${v?.length ?? 0} dimensions, expected ${config.EMBEDDING_DIMENSION}`,
      );
    }
    ready = true;
  };
  return { app, embedder, stats, warmUp, close: async () => kv?.close?.() };
}
