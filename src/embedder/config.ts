import { z } from "zod";
import { ConfigError } from "../env.js";
import { KvConfigShape } from "../kv/config.js";

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** The embedding service's configuration (its own process, its own variables). */
export const EmbedderConfigSchema = z.object({
  EMBEDDER_PORT: int(1, 65535).default(8788),
  EMBEDDER_HOST: z.string().min(1).default("127.0.0.1"),
  EMBEDDING_MODEL_DIR: z.string().min(1).optional(),
  EMBEDDING_DIMENSION: int(8, 4096).default(384),
  EMBEDDER_MAX_BATCH: int(1, 512).default(64),
  EMBEDDER_FLUSH_MS: int(0, 1000).default(50),
  EMBEDDER_MAX_QUEUE: int(1, 100_000).default(4096),
  EMBEDDER_TIMEOUT_MS: int(100, 120_000).default(10_000),
  EMBED_CACHE_TTL_SECONDS: int(1, 30 * 86_400).default(3600),
  // auto: cache model backends only; a local vector is cheaper to compute than to look up.
  EMBED_CACHE: z.enum(["auto", "on", "off"]).default("auto"),
  ...KvConfigShape,
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

export type EmbedderConfig = z.infer<typeof EmbedderConfigSchema>;

/**
 * Parses the embedding service's variables.
 * @throws ConfigError naming each bad variable.
 */
export function parseEmbedderConfig(raw: Record<string, unknown>): EmbedderConfig {
  const cleaned = Object.fromEntries(
    Object.keys(EmbedderConfigSchema.shape).flatMap((k) =>
      raw[k] === undefined || raw[k] === "" ? [] : [[k, raw[k]]],
    ),
  );
  const r = EmbedderConfigSchema.safeParse(cleaned);
  if (!r.success) throw new ConfigError(r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  return r.data;
}
