import { z } from "zod";
import { KvConfigShape } from "./kv/config.js";

const TOKEN_RE = /^eg_(pat|svc)_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/;
const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * Every configuration variable, parsed once at the edge (src/node.ts, src/worker.ts).
 * Nothing below the composition root reads the environment.
 */
export const ConfigSchema = z.object({
  PORT: intFrom(1, 65535).default(8787),
  HOST: z.string().min(1).default("127.0.0.1"),
  ENGRAM_DATA_DIR: z.string().min(1).default("./.engram"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
    .optional(),
  DATABASE_DRIVER: z.enum(["pg", "neon"]).default("pg"),
  // Embedded database (no DATABASE_URL): its page cache, and the thread it runs on.
  PGLITE_SHARED_BUFFERS_MB: intFrom(16, 1536).default(256),
  PGLITE_THREAD: z.enum(["worker", "main"]).default("worker"),
  DATABASE_POOL_MAX: intFrom(1, 100).default(10),
  NEON_WS_PROXY: z.string().min(1).optional(),
  TOKEN_PEPPER: z.string().min(32, "must be at least 32 characters").optional(),
  ENGRAM_BOOTSTRAP_TOKEN: z.string().regex(TOKEN_RE, "must be an eg_pat_/eg_svc_ token").optional(),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  MAX_BODY_BYTES: intFrom(1024, 64 * 1024 * 1024).default(1024 * 1024),
  RATE_LIMIT_TOKEN_PER_MINUTE: intFrom(1, 1_000_000).default(1200),
  RATE_LIMIT_ORG_PER_MINUTE: intFrom(1, 10_000_000).default(12_000),
  // Revocation must take effect within 1 s, so the cache may not hold a token longer.
  TOKEN_CACHE_TTL_MS: intFrom(0, 1000).default(1000),
  ERROR_DOCS_URL: z.string().min(1).default("/errors"),
  // The address clients reach this service at (behind a proxy); download links are built on it.
  PUBLIC_URL: z
    .string()
    .url()
    .transform((u) => u.replace(/\/+$/, ""))
    .optional(),
  ...KvConfigShape,
  EMBEDDER_URL: z.string().url().optional(),
  EMBEDDER_TIMEOUT_MS: intFrom(10, 60_000).default(2_000),
  // The model the embedding service must be serving; stored as memories.embedding_model.
  EMBEDDER_MODEL: z.string().min(1).default("engram-local-v1"),
  // An OpenAI-compatible chat API for the conflict judge (heuristic judge otherwise).
  LLM_BASE_URL: z.string().url().optional(),
  LLM_API_KEY: z.string().min(1).optional(),
  LLM_MODEL: z.string().min(1).default("gpt-4o-mini"),
  MEMORY_NEAR_DUPLICATE: z.coerce.number().min(0).max(1).default(0.92),
  MEMORY_CONFLICT: z.coerce.number().min(0).max(1).default(0.85),
  MEMORY_SUPERSEDE_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.8),
  MEMORY_INJECTION_THRESHOLD: z.coerce.number().min(0).max(1).default(0.7),
  // Context assembly: the whole call's deadline, and model windows beyond the built-in table.
  CONTEXT_DEADLINE_MS: intFrom(5, 10_000).default(45),
  CONTEXT_MODEL_WINDOWS: z
    .string()
    .transform((s, ctx) => {
      try {
        return z.record(z.string().min(1), z.number().int().min(256)).parse(JSON.parse(s));
      } catch {
        ctx.addIssue({ code: "custom", message: 'must be JSON like {"model-name": 32000}' });
        return z.NEVER;
      }
    })
    .optional(),
  // Cold searches in flight per process/isolate; past it cold search is shed (L1), past
  // four times as many assemblies the hot set too (L2). 0 = no limit.
  CONTEXT_MAX_IN_FLIGHT: intFrom(0, 100_000).default(8),
  // Node: retrieval counts are summed in memory and written at most this often (ms);
  // shutdown writes what is pending. Workers write every second (isolates come and go).
  USAGE_COUNTS_FLUSH_MS: intFrom(0, 600_000).default(30_000),
  // gRPC over HTTP/2 (h2c) on Node; 0 turns it off.
  GRPC_PORT: intFrom(0, 65535).default(8790),
  // Sessions: no activity for this long makes an active session `abandoned` (and
  // extracted); the sweep runs every SESSION_SWEEP_SECONDS on Node (a cron on Workers).
  SESSION_IDLE_MINUTES: intFrom(1, 7 * 24 * 60).default(45),
  SESSION_SWEEP_SECONDS: intFrom(5, 3600).default(60),
  // Jobs: delays before each retry (ms, comma-separated; their count is the retries),
  // how long a claimed job is leased before another worker may take it, and how many
  // jobs one Node process runs at once (0 turns the in-process worker off).
  JOB_RETRY_DELAYS_MS: z
    .string()
    .regex(/^\d{1,9}(,\d{1,9}){0,9}$/, "must be up to 10 comma-separated millisecond delays")
    .transform((s) => s.split(",").map(Number))
    .default([1_000, 10_000, 100_000]),
  JOB_LEASE_SECONDS: intFrom(5, 3600).default(120),
  JOB_CONCURRENCY: intFrom(0, 64).default(2),
  // QStash (jobs delivered to POST /v1/jobs/deliver): publishing token, API URL (the
  // local dev server or a region), and the signing keys the webhook verifies.
  QSTASH_TOKEN: z.string().min(1).optional(),
  QSTASH_URL: z.string().url().optional(),
  QSTASH_CURRENT_SIGNING_KEY: z.string().min(1).optional(),
  QSTASH_NEXT_SIGNING_KEY: z.string().min(1).optional(),
  // Extraction: the LLM extractor's model (LLM_BASE_URL set), else the rule-based one.
  EXTRACTION_MODEL: z.string().min(1).optional(),
  // Object storage over the S3 API (R2, MinIO, AWS) for archives and exports; without
  // S3_BUCKET, Node keeps objects under ENGRAM_DATA_DIR and Workers use the BLOBS binding.
  S3_ENDPOINT: z.string().url().optional(),
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_REGION: z.string().min(1).default("auto"),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: z
    .enum(["true", "false", "1", "0"])
    .transform((v) => v === "true" || v === "1")
    .default(false),
  // Archived sessions' messages leave Postgres after this many days (0 keeps them).
  SESSION_MESSAGES_RETAIN_DAYS: intFrom(0, 3650).default(30),
  // Retention: assembly events and soft-deleted memories are removed after these many
  // days; the sweep runs every RETENTION_SWEEP_SECONDS on Node (a cron on Workers).
  ANALYTICS_RETENTION_DAYS: intFrom(1, 3650).default(90),
  MEMORY_SOFT_DELETE_DAYS: intFrom(1, 3650).default(30),
  RETENTION_SWEEP_SECONDS: intFrom(60, 86_400).default(3600),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Startup error naming each bad variable; the message never echoes a value. */
export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`invalid configuration: ${issues.join("; ")}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/**
 * Parses raw variables (process.env or Worker bindings). Empty strings count as unset.
 * @throws ConfigError naming every invalid variable.
 */
export function parseConfig(raw: Record<string, unknown>): Config {
  const cleaned: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.shape)) {
    const v = raw[key];
    if (v !== undefined && v !== "") cleaned[key] = v;
  }
  const result = ConfigSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const c = result.data;
  if (c.QSTASH_TOKEN) {
    const missing = ["QSTASH_CURRENT_SIGNING_KEY", "QSTASH_NEXT_SIGNING_KEY", "PUBLIC_URL"].filter(
      (k) => c[k as keyof Config] === undefined,
    );
    // QStash delivers to PUBLIC_URL and the webhook must verify what it delivers.
    if (missing.length) throw new ConfigError(missing.map((k) => `${k}: required when QSTASH_TOKEN is set`));
  }
  if (c.S3_BUCKET) {
    // Keys are always explicit: the SDK's ambient credential chain does not exist on Workers.
    const missing = ["S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"].filter(
      (k) => c[k as keyof Config] === undefined,
    );
    if (missing.length) throw new ConfigError(missing.map((k) => `${k}: required when S3_BUCKET is set`));
  }
  return c;
}
