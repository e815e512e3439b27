import { AppError } from "../lib/errors.js";
import { type JsonEndpoint, postJson } from "../lib/post-json.js";
import { checkEmbedText, checkEmbedTexts } from "./local-embedder.js";
import type { Embedder } from "./ports.js";

export interface HttpEmbedderOptions extends JsonEndpoint {
  /** Expected dimension; a response of another size is an error (VM2 downstream). */
  dimension: number;
  model: string;
}

/** Checks a vector from the wire: right size, all finite numbers. */
export function checkWireVector(v: unknown, dimension: number): number[] {
  if (
    !Array.isArray(v) ||
    v.length !== dimension ||
    !v.every((x) => typeof x === "number" && Number.isFinite(x))
  ) {
    throw new AppError("UNAVAILABLE", "embedding service returned a malformed vector", { retryable: false });
  }
  return v as number[];
}

/**
 * Vectors from another model are not comparable with stored ones: an answer naming a
 * different model than expected is refused rather than mixed into the index.
 */
function checkModel(reported: unknown, expected: string): void {
  if (reported !== expected) {
    throw new AppError("UNAVAILABLE", "embedding service serves a different model than configured", {
      retryable: false,
    });
  }
}

/** Client of Engram's embedding service (`POST /v1/embed`, `/v1/embed/batch`). */
export function createEmbeddingServiceClient(o: HttpEmbedderOptions): Embedder {
  const embedBatch = async (texts: string[]) => {
    checkEmbedTexts(texts);
    const body = (await postJson({ label: "embedding service", ...o }, "/v1/embed/batch", { texts })) as {
      embeddings?: unknown;
      model?: unknown;
    };
    checkModel(body.model, o.model);
    if (!Array.isArray(body.embeddings) || body.embeddings.length !== texts.length) {
      throw new AppError("UNAVAILABLE", "embedding service returned the wrong number of vectors");
    }
    return body.embeddings.map((v) => checkWireVector(v, o.dimension));
  };
  return {
    model: o.model,
    dimension: o.dimension,
    embedBatch,
    async embed(text) {
      checkEmbedText(text);
      const body = (await postJson({ label: "embedding service", ...o }, "/v1/embed", { text })) as {
        embedding?: unknown;
        model?: unknown;
      };
      checkModel(body.model, o.model);
      return checkWireVector(body.embedding, o.dimension);
    },
  };
}
