import { createMemoryBlobStore } from "../../src/adapters/in-memory/blob-store.js";
import { createMemoryKeyValue } from "../../src/adapters/in-memory/key-value.js";
import { createMemoryRateLimiter } from "../../src/adapters/in-memory/rate-limiter.js";
import { createPgSqlClient } from "../../src/adapters/pg/sql-client.js";
import { openPglite } from "../../src/adapters/pglite/open.js";
import { createPgliteSqlClient } from "../../src/adapters/pglite/sql-client.js";
import { createPostgresChatMemory } from "../../src/adapters/postgres/chat-memory.js";
import { createApp } from "../../src/app.js";
import { createTokenCache } from "../../src/auth/token-cache.js";
import type { BlobStore } from "../../src/blobs/ports.js";
import { createLoadGuard } from "../../src/context/load-guard.js";
import { createHotRowsCache } from "../../src/context/retrieve.js";
import { createUsageRecorder } from "../../src/context/usage-recorder.js";
import { migrate } from "../../src/db/migrate.js";
import { loadMigrations } from "../../src/db/migrations-fs.js";
import type { SqlClient, SqlExecutor } from "../../src/db/ports.js";
import { withOrg } from "../../src/db/tenant.js";
import { createDirectiveCache } from "../../src/directives/cache.js";
import { selectEmbedder } from "../../src/embedding/select.js";
import { parseConfig } from "../../src/env.js";
import { selectExtractor } from "../../src/extraction/select.js";
import { createJobServices } from "../../src/job-services.js";
import type { JobWorker } from "../../src/jobs/worker.js";
import type { KeyValue } from "../../src/kv/ports.js";
import type { Clock } from "../../src/lib/clock.js";
import { createLogger } from "../../src/lib/logger.js";
import { memoryConfigOf, selectJudge } from "../../src/memory/write/select.js";
import { bootstrap } from "../../src/orgs/bootstrap.js";
import type { Services } from "../../src/services.js";
import { freshDatabase } from "./real-postgres.js";

/** A clock tests can move. */
export function testClock(start = Date.now()): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => (now += ms) };
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  sql: SqlClient;
  services: Services;
  /** The in-process job worker; not started: tests run due jobs with `drain()`. */
  jobWorker: JobWorker;
  clock: ReturnType<typeof testClock>;
  /** Every log line written, for scanning. */
  logs: string[];
  /** The bootstrap token: every scope, platform admin included. */
  rootToken: string;
  rootOrgId: string;
  /** Sends a request; `body` objects are sent as JSON. */
  call(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  /** A second app over the same database with its own caches (another process/isolate). */
  sibling(): TestApp;
  close(): Promise<void>;
}

/**
 * Boots the whole app in-process on a fresh, migrated in-memory PGlite, or — with
 * `database: "postgres"` — on a fresh database of the machine's real PostgreSQL
 * server (dropped by close()).
 */
export async function createTestApp(
  env: Record<string, string> = {},
  options: {
    database?: "pglite" | "postgres";
    /** The object store (default: one in-memory store shared with siblings). */
    blobs?: BlobStore;
    /** The key-value store (default: a fresh in-memory one per app). */
    kv?: () => KeyValue;
    /**
     * The database client to use instead of a fresh database (migrated here; closed by
     * close(), the database itself left to the caller): e.g. one reaching a real
     * server through a fault-injecting proxy.
     */
    sql?: SqlClient;
  } = {},
): Promise<TestApp> {
  let sql: SqlClient;
  let dropDatabase = async () => {};
  if (options.sql) {
    sql = options.sql;
  } else if (options.database === "postgres") {
    const fresh = await freshDatabase();
    sql = createPgSqlClient({ connectionString: fresh.url, max: 8 });
    dropDatabase = fresh.drop;
  } else {
    sql = createPgliteSqlClient(await openPglite(), { ownsDb: true });
  }
  await migrate(sql, await loadMigrations());
  const config = parseConfig({
    TOKEN_PEPPER: "test-pepper-test-pepper-test-pepper-0123",
    LOG_LEVEL: "debug",
    ...env,
  });
  const boot = await bootstrap(sql, config.TOKEN_PEPPER ?? "");
  // One store for the app and its siblings, as a shared bucket would be.
  const blobs = options.blobs ?? createMemoryBlobStore();
  const build = (): TestApp => {
    const logs: string[] = [];
    const clock = testClock();
    const pending: Promise<unknown>[] = [];
    const base = {
      config,
      sql,
      logger: createLogger("debug", (_lvl, line) => logs.push(line)),
      clock,
      pepper: config.TOKEN_PEPPER ?? "",
      tokenCache: createTokenCache(config.TOKEN_CACHE_TTL_MS),
      directiveCache: createDirectiveCache(),
      hotRows: createHotRowsCache(),
      usage: createUsageRecorder({ eventsIntervalMs: 0, countsIntervalMs: 0 }),
      loadGuard: createLoadGuard(config.CONTEXT_MAX_IN_FLIGHT),
      rateLimiter: createMemoryRateLimiter(),
      kv: options.kv ? options.kv() : createMemoryKeyValue(),
      // The embedding service when EMBEDDER_URL is set, as the Node runtime chooses.
      embedder: selectEmbedder(config),
      judge: selectJudge(config),
      memoryConfig: memoryConfigOf(config),
      blobs,
      defer: (task: Promise<unknown>) => void pending.push(task.catch(() => undefined)),
      chatMemory: (scope: { orgId: string; sessionId: string; tx: SqlExecutor }) =>
        createPostgresChatMemory({ sql, ...scope }),
      extractor: selectExtractor(config),
    };
    const { worker, ...jobServices } = createJobServices(base, "node");
    const services: Services = { ...base, ...jobServices };
    const app = createApp(() => services);
    const t: TestApp = {
      app,
      sql,
      services,
      jobWorker: worker,
      clock,
      logs,
      rootToken: boot.mintedToken ?? "",
      rootOrgId: boot.orgId,
      async call(method, path, opts = {}) {
        const headers: Record<string, string> = { ...opts.headers };
        if (opts.token) headers.authorization = `Bearer ${opts.token}`;
        let body: string | undefined;
        if (opts.body !== undefined) {
          body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
          headers["content-type"] ??= "application/json";
        }
        const res = await app.request(path, { method, headers, body });
        await Promise.all(pending.splice(0));
        return res;
      },
      sibling: build,
      close: async () => {
        await sql.close();
        await dropDatabase();
      },
    };
    return t;
  };
  return build();
}

/** Onboards a fresh org through the API and returns its admin token and id. */
export async function newOrg(t: TestApp, slug: string): Promise<{ orgId: string; token: string }> {
  const res = await t.call("POST", "/v1/orgs", { token: t.rootToken, body: { name: slug, slug } });
  if (res.status !== 201) throw new Error(`org create failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { org: { id: string }; admin_token: { token: string } };
  return { orgId: body.org.id, token: body.admin_token.token };
}

/** Creates a token in the caller's org with the given scopes (or preset). */
export async function newToken(
  t: TestApp,
  token: string,
  spec: { scopes?: string[]; preset?: string; agent_id?: string; kind?: string; expires_at?: string },
): Promise<{ id: string; token: string }> {
  const res = await t.call("POST", "/v1/tokens", { token, body: { name: "t", ...spec } });
  if (res.status !== 201) throw new Error(`token create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string; token: string };
}

/** Creates an agent through the API. */
export async function newAgent(t: TestApp, token: string, slug: string): Promise<{ id: string }> {
  const res = await t.call("POST", "/v1/agents", { token, body: { name: slug, slug } });
  if (res.status !== 201) throw new Error(`agent create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}

/** Inserts a session row directly (sessions have no REST create yet). */
export async function insertSession(t: TestApp, orgId: string, agentId: string): Promise<void> {
  await withOrg(t.sql, orgId, (tx) =>
    tx.query(
      "INSERT INTO sessions (id, org_id, agent_id, external_id) VALUES (gen_random_uuid(), $1, $2, $3)",
      [orgId, agentId, `ext-${Math.random()}`],
    ),
  );
}

/** Asserts a problem+json response and returns its body. */
export async function problem(
  res: Response,
): Promise<{ code: string; status: number; requestId: string; errors?: { path: string }[] }> {
  if (!res.headers.get("content-type")?.startsWith("application/problem+json")) {
    throw new Error(
      `expected problem+json, got ${res.status} ${res.headers.get("content-type")}: ${await res.text()}`,
    );
  }
  return (await res.json()) as {
    code: string;
    status: number;
    requestId: string;
    errors?: { path: string }[];
  };
}
