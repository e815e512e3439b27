import type { Config } from "../env.js";
import { createEmbeddingServiceClient } from "./http-client.js";
import { createLocalEmbedder } from "./local.js";
import { LOCAL_DIMENSION } from "./local-embedder.js";
import type { Embedder } from "./ports.js";

/**
 * The app's embedder: the embedding service when EMBEDDER_URL is set (serving
 * EMBEDDER_MODEL, with the schema's 384 dimensions), the built-in embedder otherwise.
 */
export function selectEmbedder(config: Config): Embedder {
  if (!config.EMBEDDER_URL) return createLocalEmbedder();
  return createEmbeddingServiceClient({
    baseUrl: config.EMBEDDER_URL,
    dimension: LOCAL_DIMENSION,
    model: config.EMBEDDER_MODEL,
    timeoutMs: config.EMBEDDER_TIMEOUT_MS,
  });
}
