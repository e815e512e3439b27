import { createMemoryKeyValue } from "./adapters/in-memory/key-value.js";
import { createMemoryRateLimiter } from "./adapters/in-memory/rate-limiter.js";
import { createNeonSqlClient } from "./adapters/neon/sql-client.js";
import { createPgSqlClient } from "./adapters/pg/sql-client.js";
import { createPostgresChatMemory } from "./adapters/postgres/chat-memory.js";
import { createR2BlobStore } from "./adapters/r2/blob-store.js";
import { createS3BlobStore } from "./adapters/s3/blob-store.js";
import { s3BlobOptionsOf } from "./adapters/s3/config.js";
import { createUpstashKeyValue } from "./adapters/upstash/key-value.js";
import { createApp } from "./app.js";
import { createKvRateLimiter } from "./auth/kv-rate-limiter.js";
import { createTokenCache, type TokenCache } from "./auth/token-cache.js";
import type { BlobStore } from "./blobs/ports.js";
import { unavailableBlobStore } from "./blobs/unavailable.js";
import { createLoadGuard, type LoadGuard } from "./context/load-guard.js";
import { createHotRowsCache } from "./context/retrieve.js";
import { createUsageRecorder } from "./context/usage-recorder.js";
import type { SqlClient, SqlExecutor } from "./db/ports.js";
import { createDirectiveCache } from "./directives/cache.js";
import { createEmbeddingServiceClient } from "./embedding/http-client.js";
import { LOCAL_DIMENSION } from "./embedding/local-embedder.js";
import { selectEmbedder } from "./embedding/select.js";
import { type Config, ConfigError, parseConfig } from "./env.js";
import { selectExtractor } from "./extraction/select.js";
import { createJobServices } from "./job-services.js";
import type { JobWorker } from "./jobs/worker.js";
import { systemClock } from "./lib/clock.js";
import { AppError } from "./lib/errors.js";
import { createLogger } from "./lib/logger.js";
import { memoryConfigOf, selectJudge } from "./memory/write/select.js";
import { isRetentionRun, retentionPolicyOf } from "./retention/model.js";
import { sweepRetention } from "./retention/sweep-retention.js";
import type { BackgroundContext, Services } from "./services.js";
import { sweepIdleSessions } from "./sessions/sweep-idle-sessions.js";

export { EmbedderContainer } from "./embedder/container.js";

/** Worker bindings: variables and secrets, plus optional Hyperdrive and embedder-container bindings. */
export interface WorkerEnv extends Record<string, unknown> {
  HYPERDRIVE?: { connectionString: string };
  EMBEDDER?: DurableObjectNamespace;
  /** Exports and archives when S3_BUCKET is unset; without either, storing files answers 503. */
  BLOBS?: R2Bucket;
}

/** Jobs one cron run may run, so it stays well inside the platform's time limit. */
const CRON_JOB_LIMIT = 50;
/** The retention sweep's share of an hourly cron run; it resumes at the next one. */
const CRON_RETENTION_BUDGET_MS = 20_000;

// Module scope holds only pure state (no I/O handles): the parsed config and caches.
const configs = new WeakMap<object, Config>();
const perRequest = new WeakMap<object, Services>();
let tokenCache: TokenCache | null = null;
const directiveCache = createDirectiveCache();
const hotRows = createHotRowsCache();
const usage = createUsageRecorder();
let loadGuard: LoadGuard | null = null;
// Without Upstash, limits and the key-value store are per isolate (pure in-memory state).
const isolateRateLimiter = createMemoryRateLimiter();
const isolateKv = createMemoryKeyValue();

function configFor(env: WorkerEnv): Config {
  let config = configs.get(env);
  if (!config) {
    config = parseConfig(env);
    if (!config.TOKEN_PEPPER) throw new ConfigError(["TOKEN_PEPPER: required on Workers (a secret)"]);
    if (!config.DATABASE_URL && !env.HYPERDRIVE) {
      throw new ConfigError(["DATABASE_URL: required on Workers unless a HYPERDRIVE binding is set"]);
    }
    configs.set(env, config);
  }
  return config;
}

function sqlFor(env: WorkerEnv, config: Config): SqlClient {
  // Hyperdrive pools connections at the edge; a request only needs one of its own.
  if (env.HYPERDRIVE) return createPgSqlClient({ connectionString: env.HYPERDRIVE.connectionString, max: 1 });
  const url = config.DATABASE_URL ?? "";
  if (config.DATABASE_DRIVER === "pg") return createPgSqlClient({ connectionString: url, max: 1 });
  return createNeonSqlClient({
    connectionString: url,
    max: 1,
    ...(config.NEON_WS_PROXY ? { wsProxy: config.NEON_WS_PROXY, insecureWebSocket: true } : {}),
  });
}

/** The embedding container, reached through its Durable Object (one named instance). */
function containerEmbedder(ns: DurableObjectNamespace, config: Config) {
  const stub = ns.get(ns.idFromName("embedder"));
  return createEmbeddingServiceClient({
    baseUrl: "http://embedder",
    dimension: LOCAL_DIMENSION,
    model: config.EMBEDDER_MODEL,
    timeoutMs: config.EMBEDDER_TIMEOUT_MS,
    fetch: (input, init) => stub.fetch(new Request(input as string, init)),
  });
}

/** Services plus the background work they started, which must end before the connection closes. */
interface RequestServices {
  services: Services;
  /** Waits for every deferred task (including those deferred meanwhile), then closes the database client. */
  settle(): Promise<void>;
  worker: JobWorker;
}

/**
 * S3 when S3_BUCKET is set (the store that can pre-sign download links), else the R2
 * binding BLOBS, else a store that answers 503. The S3 client connects on first use.
 */
function blobStoreFor(env: WorkerEnv, config: Config): BlobStore {
  const s3 = s3BlobOptionsOf(config);
  if (s3) return createS3BlobStore(s3);
  return env.BLOBS ? createR2BlobStore(env.BLOBS) : unavailableBlobStore();
}

function buildServices(env: WorkerEnv, ctx: BackgroundContext): RequestServices {
  const config = configFor(env);
  const logger = createLogger(config.LOG_LEVEL);
  tokenCache ??= createTokenCache(config.TOKEN_CACHE_TTL_MS);
  loadGuard ??= createLoadGuard(config.CONTEXT_MAX_IN_FLIGHT);
  // The Upstash client is fetch-based and holds no connection, so one per request is cheap.
  const upstash =
    config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN
      ? createUpstashKeyValue({ url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN })
      : null;
  const sql = sqlFor(env, config);
  const pending = new Set<Promise<unknown>>();
  const base = {
    config,
    sql,
    logger,
    clock: systemClock,
    pepper: config.TOKEN_PEPPER ?? "",
    tokenCache,
    directiveCache,
    hotRows,
    usage,
    loadGuard,
    rateLimiter: upstash ? createKvRateLimiter(upstash) : isolateRateLimiter,
    kv: upstash ?? isolateKv,
    embedder:
      env.EMBEDDER && !config.EMBEDDER_URL ? containerEmbedder(env.EMBEDDER, config) : selectEmbedder(config),
    judge: selectJudge(config),
    memoryConfig: memoryConfigOf(config),
    blobs: blobStoreFor(env, config),
    defer(task: Promise<unknown>) {
      const tracked = task
        .catch((err: unknown) =>
          logger.warn("background task failed", { error: err instanceof Error ? err.name : "unknown" }),
        )
        .finally(() => pending.delete(tracked));
      pending.add(tracked);
      ctx.waitUntil(tracked);
    },
    chatMemory: (scope: { orgId: string; sessionId: string; tx: SqlExecutor }) =>
      createPostgresChatMemory({ sql, ...scope }),
    extractor: selectExtractor(config),
  };
  const { worker, ...jobServices } = createJobServices(base, "workers");
  return {
    services: { ...base, ...jobServices },
    worker,
    async settle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await sql.close();
    },
  };
}

const app = createApp((_env, ctx) => {
  const services = ctx ? perRequest.get(ctx) : undefined;
  if (!services) throw new AppError("UNAVAILABLE", "service not configured");
  return services;
});

function configErrorResponse(err: ConfigError): Response {
  createLogger("error").error("invalid configuration", { issues: err.issues.join("; ") });
  return new Response(
    JSON.stringify({
      type: "/errors#unavailable",
      title: "Unavailable",
      status: 503,
      detail: "service misconfigured",
      code: "UNAVAILABLE",
      requestId: "",
    }),
    { status: 503, headers: { "content-type": "application/problem+json" } },
  );
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let built: RequestServices;
    try {
      built = buildServices(env, ctx);
    } catch (err) {
      if (err instanceof ConfigError) return configErrorResponse(err);
      throw err;
    }
    perRequest.set(ctx, built.services);
    try {
      return await app.fetch(request, env, ctx);
    } finally {
      ctx.waitUntil(built.settle());
    }
  },

  /**
   * The cron trigger (wrangler.toml `[triggers]`): abandons idle sessions (enqueueing
   * their jobs) and runs the jobs ledger's due work — retries, and jobs whose
   * dispatch did not happen (a publish that failed, an isolate that went away). The
   * run scheduled at minute 0 of each hour also sweeps retention, within a budget.
   */
  async scheduled(controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const built = buildServices(env, ctx);
    const { services } = built;
    try {
      const swept = await sweepIdleSessions(services, services.config.SESSION_IDLE_MINUTES);
      const ran = await built.worker.drain(CRON_JOB_LIMIT);
      services.logger.info("cron", { abandoned: swept.abandoned, ...ran });
      if (isRetentionRun(controller.scheduledTime)) {
        await sweepRetention(services, retentionPolicyOf(services.config), {
          deadline: performance.now() + CRON_RETENTION_BUDGET_MS,
        });
      }
    } finally {
      ctx.waitUntil(built.settle());
    }
  },
} satisfies ExportedHandler<WorkerEnv>;
