import { LOCAL_DIMENSION, LOCAL_MODEL, localEmbed } from "./local-embedder.js";
import type { Embedder } from "./ports.js";

/** The built-in embedder as an Embedder (in-process, no I/O). */
export function createLocalEmbedder(): Embedder {
  return {
    model: LOCAL_MODEL,
    dimension: LOCAL_DIMENSION,
    embed: async (text) => localEmbed(text),
    embedBatch: async (texts) => texts.map((t) => localEmbed(t)),
  };
}
