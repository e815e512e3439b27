import type { KeyValue } from "../kv/ports.js";
import { sha256Hex } from "../lib/crypto.js";
import type { Logger } from "../lib/logger.js";
import { checkEmbedTexts } from "./local-embedder.js";
import type { Embedder } from "./ports.js";
import { decodeVector, encodeVector } from "./vector-codec.js";

export interface EmbeddingCacheOptions {
  kv: KeyValue;
  ttlSeconds?: number;
  logger?: Logger;
  /** Counts hits and misses, for the hit-rate figure. */
  stats?: { hits: number; misses: number };
}

/**
 * Cache-aside over the key-value port: `embed:v1:{model}:{sha256(text)}` (the text is
 * never a key and never logged), TTL 3,600 s by default. Cache errors fail open: the
 * embedding is computed and the failure logged (E2: caching is the only side effect).
 */
export function withEmbeddingCache(inner: Embedder, o: EmbeddingCacheOptions): Embedder {
  const ttl = o.ttlSeconds ?? 3600;
  const keyOf = async (text: string) => `embed:v1:${inner.model}:${await sha256Hex(text)}`;
  const warn = (op: string, err: unknown) =>
    o.logger?.warn("embedding cache unavailable", { op, error: err instanceof Error ? err.name : "unknown" });

  const embedBatch = async (texts: string[]): Promise<number[][]> => {
    checkEmbedTexts(texts);
    const keys = await Promise.all(texts.map(keyOf));
    const cached = await Promise.all(
      keys.map((k) =>
        o.kv.get(k).catch((err: unknown) => {
          warn("get", err);
          return null;
        }),
      ),
    );
    const out: (number[] | null)[] = cached.map((c) => (c ? decodeVector(c) : null));
    const missing = out.flatMap((v, i) => (v && v.length === inner.dimension ? [] : [i]));
    if (o.stats) {
      o.stats.hits += texts.length - missing.length;
      o.stats.misses += missing.length;
    }
    if (missing.length > 0) {
      const fresh = await inner.embedBatch(missing.map((i) => texts[i] ?? ""));
      await Promise.all(
        missing.map(async (index, j) => {
          const vector = fresh[j] ?? [];
          out[index] = vector;
          await o.kv
            .set(keys[index] ?? "", encodeVector(vector), ttl)
            .catch((err: unknown) => warn("set", err));
        }),
      );
    }
    return out as number[][];
  };

  return {
    model: inner.model,
    dimension: inner.dimension,
    embedBatch,
    embed: async (text) => (await embedBatch([text]))[0] ?? [],
  };
}
