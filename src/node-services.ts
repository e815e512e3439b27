import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import WebSocket from "ws";
import { createFsBlobStore } from "./adapters/fs/blob-store.js";
import { createMemoryKeyValue } from "./adapters/in-memory/key-value.js";
import { createMemoryRateLimiter } from "./adapters/in-memory/rate-limiter.js";
import { createNeonSqlClient } from "./adapters/neon/sql-client.js";
import { createPgSqlClient } from "./adapters/pg/sql-client.js";
import { openPglite, type PgliteOptions } from "./adapters/pglite/open.js";
import { createPgliteSqlClient } from "./adapters/pglite/sql-client.js";
import { createPgliteWorkerClient } from "./adapters/pglite/worker-client.js";
import { createPostgresChatMemory } from "./adapters/postgres/chat-memory.js";
import { createRedisKeyValue } from "./adapters/redis/key-value.js";
import { createS3BlobStore } from "./adapters/s3/blob-store.js";
import { s3BlobOptionsOf } from "./adapters/s3/config.js";
import { createUpstashKeyValue } from "./adapters/upstash/key-value.js";
import { createKvRateLimiter } from "./auth/kv-rate-limiter.js";
import { createTokenCache } from "./auth/token-cache.js";
import type { BlobStore } from "./blobs/ports.js";
import { createLoadGuard } from "./context/load-guard.js";
import { createHotRowsCache } from "./context/retrieve.js";
import { createUsageRecorder } from "./context/usage-recorder.js";
import type { SqlClient, SqlExecutor } from "./db/ports.js";
import { createDirectiveCache } from "./directives/cache.js";
import { selectEmbedder } from "./embedding/select.js";
import type { Config } from "./env.js";
import { selectExtractor } from "./extraction/select.js";
import { createJobServices } from "./job-services.js";
import type { JobWorker } from "./jobs/worker.js";
import type { KeyValue } from "./kv/ports.js";
import { systemClock } from "./lib/clock.js";
import { randomBytes } from "./lib/crypto.js";
import { toBase64Url } from "./lib/encoding.js";
import type { Logger } from "./lib/logger.js";
import { memoryConfigOf, selectJudge } from "./memory/write/select.js";
import type { Services } from "./services.js";

/** The Node composition root's result: services plus what only the process owns. */
export interface NodeRuntime {
  services: Services;
  /** True when the database is the embedded one (no DATABASE_URL). */
  embedded: boolean;
  /** Runs the jobs ledger in this process (started by the entry point). */
  jobWorker: JobWorker;
  close(): Promise<void>;
}

/**
 * The token pepper: TOKEN_PEPPER, or one generated on first start and kept (0600)
 * in the data directory so tokens stay valid across restarts.
 */
async function loadPepper(config: Config, dataDir: string): Promise<string> {
  if (config.TOKEN_PEPPER) return config.TOKEN_PEPPER;
  const file = resolve(dataDir, "token-pepper");
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    const pepper = toBase64Url(randomBytes(32));
    await writeFile(file, `${pepper}\n`, { mode: 0o600, flag: "wx" });
    await chmod(file, 0o600);
    return pepper;
  }
}

/**
 * One process per data directory: PGlite is single-process, and two writers would
 * corrupt it. A stale lock (its process gone) is taken over.
 * @throws Error naming the process that holds the directory.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = resolve(dataDir, "engram.lock");
  try {
    const pid = Number((await readFile(file, "utf8")).trim());
    if (pid && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        throw new Error(`data directory ${dataDir} is in use by process ${pid}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
      }
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await writeFile(file, String(process.pid));
  return () => rm(file, { force: true });
}

async function openDatabase(
  config: Config,
  dataDir: string,
  socketPort: number | undefined,
): Promise<{ sql: SqlClient; embedded: boolean }> {
  if (config.DATABASE_URL) {
    const sql =
      config.DATABASE_DRIVER === "neon"
        ? createNeonSqlClient({
            connectionString: config.DATABASE_URL,
            max: config.DATABASE_POOL_MAX,
            webSocketConstructor: WebSocket,
            ...(config.NEON_WS_PROXY ? { wsProxy: config.NEON_WS_PROXY, insecureWebSocket: true } : {}),
          })
        : createPgSqlClient({ connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_MAX });
    return { sql, embedded: false };
  }
  const unlock = await lockDataDir(dataDir);
  const options = { dataDir: resolve(dataDir, "pgdata"), sharedBuffersMb: config.PGLITE_SHARED_BUFFERS_MB };
  let inner: SqlClient;
  try {
    // On its own thread by default (ADR-0043): the database's work stops stalling HTTP.
    inner =
      config.PGLITE_THREAD === "worker"
        ? await createPgliteWorkerClient({ ...options, socketPort })
        : await openInProcess(options, socketPort);
  } catch (err) {
    await unlock();
    throw err;
  }
  return {
    sql: {
      ...inner,
      async close() {
        await inner.close();
        await unlock();
      },
    },
    embedded: true,
  };
}

async function openInProcess(options: PgliteOptions, socketPort: number | undefined): Promise<SqlClient> {
  const db = await openPglite(options);
  const client = createPgliteSqlClient(db, { ownsDb: true });
  if (!socketPort) return client;
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const server = new PGLiteSocketServer({ db, port: socketPort, host: "127.0.0.1" });
  await server.start();
  return {
    ...client,
    async close() {
      await server.stop();
      await client.close();
    },
  };
}

/** Redis when REDIS_URL is set, Upstash when its REST URL and token are, else in-process. */
function openKeyValue(config: Config): { kv: KeyValue; shared: boolean; close(): Promise<void> } {
  if (config.REDIS_URL) {
    const kv = createRedisKeyValue({ url: config.REDIS_URL });
    return { kv, shared: true, close: () => kv.close() };
  }
  if (config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN) {
    const kv = createUpstashKeyValue({
      url: config.UPSTASH_REDIS_REST_URL,
      token: config.UPSTASH_REDIS_REST_TOKEN,
    });
    return { kv, shared: true, close: async () => {} };
  }
  return { kv: createMemoryKeyValue(), shared: false, close: async () => {} };
}

/** S3 (R2, MinIO, AWS) when S3_BUCKET is set, else files under the data directory. */
function openBlobStore(config: Config, dataDir: string): BlobStore {
  const s3 = s3BlobOptionsOf(config);
  return s3 ? createS3BlobStore(s3) : createFsBlobStore(resolve(dataDir, "blobs"));
}

/**
 * Wires the Node runtime: the embedded default (PGlite under ENGRAM_DATA_DIR,
 * in-process key-value store, rate limits and embedder), each switched to a server
 * by configuration (DATABASE_URL, REDIS_URL or Upstash, EMBEDDER_URL).
 */
export async function createNodeRuntime(
  config: Config,
  logger: Logger,
  options: { pgSocketPort?: number } = {},
): Promise<NodeRuntime> {
  const dataDir = resolve(config.ENGRAM_DATA_DIR);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const pepper = await loadPepper(config, dataDir);
  const { sql, embedded } = await openDatabase(config, dataDir, options.pgSocketPort);
  const store = openKeyValue(config);
  const base = {
    config,
    sql,
    logger,
    clock: systemClock,
    pepper,
    tokenCache: createTokenCache(config.TOKEN_CACHE_TTL_MS, { coalesce: true }),
    directiveCache: createDirectiveCache(1000, { coalesce: true }),
    hotRows: createHotRowsCache({ coalesce: true }),
    usage: createUsageRecorder({ countsIntervalMs: config.USAGE_COUNTS_FLUSH_MS }),
    loadGuard: createLoadGuard(config.CONTEXT_MAX_IN_FLIGHT),
    // A shared store gives every process one count; alone, the in-process limiter is exact.
    rateLimiter: store.shared ? createKvRateLimiter(store.kv) : createMemoryRateLimiter(),
    kv: store.kv,
    embedder: selectEmbedder(config),
    judge: selectJudge(config),
    memoryConfig: memoryConfigOf(config),
    blobs: openBlobStore(config, dataDir),
    defer(task: Promise<unknown>) {
      task.catch((err: unknown) =>
        logger.warn("background task failed", { error: err instanceof Error ? err.name : "unknown" }),
      );
    },
    chatMemory: (scope: { orgId: string; sessionId: string; tx: SqlExecutor }) =>
      createPostgresChatMemory({ sql, ...scope }),
    extractor: selectExtractor(config),
  };
  const { worker, ...jobServices } = createJobServices(base, "node");
  const services: Services = { ...base, ...jobServices };
  return {
    services,
    embedded,
    jobWorker: worker,
    close: async () => {
      await worker.stop();
      await store.close();
      await sql.close();
    },
  };
}
