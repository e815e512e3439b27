import { AppError } from "../lib/errors.js";
import { checkEmbedText, checkEmbedTexts } from "./local-embedder.js";
import type { Embedder } from "./ports.js";

export interface HttpEmbedderOptions {
  baseUrl: string;
  timeoutMs?: number;
  /** Expected dimension; a response of another size is an error (VM2 downstream). */
  dimension: number;
  model: string;
  apiKey?: string;
  fetch?: typeof fetch;
}

/** POSTs JSON with a timeout; maps transport and HTTP failures to AppErrors (E3). */
export async function postJson(o: HttpEmbedderOptions, path: string, body: unknown): Promise<unknown> {
  const doFetch = o.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(`${o.baseUrl.replace(/\/$/, "")}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
  } catch (err) {
    throw new AppError("UNAVAILABLE", "embedding service unreachable", { cause: err, retryable: true });
  }
  if (!res.ok) {
    await res.body?.cancel();
    if (res.status === 429 || res.status >= 500) {
      const retryAfter = Number(res.headers.get("retry-after")) || undefined;
      throw new AppError(
        res.status === 429 ? "RESOURCE_EXHAUSTED" : "UNAVAILABLE",
        `embedding service answered ${res.status}`,
        {
          retryable: true,
          ...(retryAfter ? { retryAfter } : {}),
        },
      );
    }
    throw new AppError("INVALID_ARGUMENT", `embedding service refused the input (${res.status})`);
  }
  try {
    return await res.json();
  } catch (err) {
    throw new AppError("UNAVAILABLE", "embedding service sent malformed JSON", {
      cause: err,
      retryable: true,
    });
  }
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

/** Client of Engram's embedding service (`POST /v1/embed`, `/v1/embed/batch`). */
export function createEmbeddingServiceClient(o: HttpEmbedderOptions): Embedder {
  const embedBatch = async (texts: string[]) => {
    checkEmbedTexts(texts);
    const body = (await postJson(o, "/v1/embed/batch", { texts })) as { embeddings?: unknown };
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
      const body = (await postJson(o, "/v1/embed", { text })) as { embedding?: unknown };
      return checkWireVector(body.embedding, o.dimension);
    },
  };
}
