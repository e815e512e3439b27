import { AppError } from "../lib/errors.js";
import { postJson } from "../lib/post-json.js";
import { checkWireVector, type HttpEmbedderOptions } from "./http-client.js";
import { checkEmbedTexts } from "./local-embedder.js";
import type { Embedder } from "./ports.js";

/**
 * Client of any OpenAI-compatible `POST {baseUrl}/embeddings` endpoint (OpenAI,
 * Azure-style gateways, vLLM, Engram's own service). Vectors are re-normalised, since
 * not every provider returns unit vectors.
 */
export function createOpenAiEmbedder(o: HttpEmbedderOptions): Embedder {
  const embedBatch = async (texts: string[]) => {
    checkEmbedTexts(texts);
    const body = (await postJson({ label: "embeddings API", ...o }, "/embeddings", {
      input: texts,
      model: o.model,
      encoding_format: "float",
    })) as {
      data?: { index?: number; embedding?: unknown }[];
    };
    if (!Array.isArray(body.data) || body.data.length !== texts.length) {
      throw new AppError("UNAVAILABLE", "embeddings response has the wrong number of items");
    }
    const ordered = [...body.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return ordered.map((d) => {
      const v = checkWireVector(d.embedding, o.dimension);
      const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      if (n === 0) throw new AppError("UNAVAILABLE", "embeddings response holds a zero vector");
      return v.map((x) => x / n);
    });
  };
  return {
    model: o.model,
    dimension: o.dimension,
    embedBatch,
    embed: async (text) => (await embedBatch([text]))[0] ?? [],
  };
}
