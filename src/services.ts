import type { Principal } from "./auth/principal.js";
import type { RateLimiter } from "./auth/rate-limit.js";
import type { TokenCache } from "./auth/token-cache.js";
import type { BlobStore } from "./blobs/ports.js";
import type { LoadGuard } from "./context/load-guard.js";
import type { HotRowsCache } from "./context/retrieve.js";
import type { UsageRecorder } from "./context/usage-recorder.js";
import type { SqlClient } from "./db/ports.js";
import type { DirectiveCache } from "./directives/cache.js";
import type { Embedder } from "./embedding/ports.js";
import type { Config } from "./env.js";
import type { Extractor } from "./extraction/ports.js";
import type { JobDeliveryVerifier, JobQueue } from "./jobs/ports.js";
import type { RunJobDeps } from "./jobs/run-job.js";
import type { KeyValue } from "./kv/ports.js";
import type { Clock } from "./lib/clock.js";
import type { Logger } from "./lib/logger.js";
import type { MemoryEngineConfig } from "./memory/config.js";
import type { ConflictJudge } from "./memory/write/conflict.js";
import type { ChatMemoryFactory } from "./sessions/append-turns.js";

/** The ports the app runs on, wired to adapters by an entry point (the composition root). */
export interface Services {
  config: Config;
  sql: SqlClient;
  logger: Logger;
  clock: Clock;
  /** Server-side key for token hashes (TOKEN_PEPPER). */
  pepper: string;
  tokenCache: TokenCache;
  /** Active directives, held at most 1 s (a local write drops its entry at once). */
  directiveCache: DirectiveCache;
  /** Hydrated hot-set rows, reused for up to a second (src/context/retrieve.ts). */
  hotRows: HotRowsCache;
  /** Buffered retrieval counts and assembly events, written at most once a second. */
  usage: UsageRecorder;
  /** Assemblies in flight; sheds retrieval sources past CONTEXT_MAX_IN_FLIGHT. */
  loadGuard: LoadGuard;
  rateLimiter: RateLimiter;
  /** Caches, hot sets and shared counters (Redis, Upstash or in-process). */
  kv: KeyValue;
  /** Text to vector: the embedding service's client or the built-in embedder. */
  embedder: Embedder;
  /** Decides whether similar memories contradict (heuristic or LLM). */
  judge: ConflictJudge;
  memoryConfig: MemoryEngineConfig;
  /** Object storage for exports and archives (R2/S3, files on disk, or memory). */
  blobs: BlobStore;
  /** Background jobs: the ledger and its transport (in-process, waitUntil/cron or QStash). */
  jobs: JobQueue;
  /** What runs a claimed job: the handler of each type, retries, the lease. */
  jobRunner: RunJobDeps & { leaseSeconds: number };
  /** Set when jobs are delivered by QStash: verifies the webhook and names its URL. */
  jobDelivery?: { verifier: JobDeliveryVerifier; url: string };
  /** A session's transcript (the Postgres ChatMemory) inside an open tenant transaction. */
  chatMemory: ChatMemoryFactory;
  /** Session turns to memories: the LLM extractor when configured, the rules otherwise. */
  extractor: Extractor;
  /** Runs work after the response is sent (waitUntil on Workers); failures are logged. */
  defer(task: Promise<unknown>): void;
}

/** The part of a Workers ExecutionContext the app needs. */
export interface BackgroundContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** Builds (or returns) the services for one request. */
export type ServicesResolver = (env: unknown, ctx: BackgroundContext | undefined) => Services;

/** Hono's typing for the app: per-request variables set by middleware. */
export interface AppEnv {
  Variables: {
    services: Services;
    requestId: string;
    principal: Principal;
  };
}
