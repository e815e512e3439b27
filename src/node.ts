import { serve } from "@hono/node-server";
import { createApp } from "./app.js";
import { warmTokenizers } from "./context/tokenizer.js";
import { analyzeTables, scheduleAnalyze } from "./db/maintenance.js";
import { migrate } from "./db/migrate.js";
import { loadMigrations } from "./db/migrations-fs.js";
import { ConfigError, parseConfig } from "./env.js";
import { createLogger } from "./lib/logger.js";
import { createNodeRuntime } from "./node-services.js";
import { bootstrap } from "./orgs/bootstrap.js";
import { retentionPolicyOf } from "./retention/model.js";
import { scheduleRetentionSweep } from "./retention/schedule.js";
import { startGrpcServer } from "./rpc/grpc-server.js";
import { rpcFirst } from "./rpc/node-listener.js";
import { scheduleSessionSweep } from "./sessions/schedule-sweep.js";

/**
 * Node entry: the embedded default and self-hosting. Applies migrations, bootstraps
 * the first org on a new database, then serves HTTP on PORT.
 */
async function main(): Promise<void> {
  const started = performance.now();
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`engram: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  // Development aid: expose the embedded database so `wrangler dev` (or psql) can reach it.
  const socketPort = Number(process.env.ENGRAM_PG_SOCKET_PORT) || undefined;
  const runtime = await createNodeRuntime(config, logger, { pgSocketPort: socketPort });
  const { services } = runtime;

  const report = await migrate(services.sql, await loadMigrations());
  logger.info("migrations", { applied: report.applied.length, already_applied: report.skipped.length });

  let stopAnalyze = () => {};
  if (runtime.embedded) {
    await analyzeTables(services.sql);
    stopAnalyze = scheduleAnalyze(services.sql, logger);
  }

  const boot = await bootstrap(services.sql, services.pepper, config.ENGRAM_BOOTSTRAP_TOKEN);
  if (boot.created) {
    logger.info("bootstrap: created the default organisation and its admin token", { org_id: boot.orgId });
    if (boot.mintedToken) {
      // Printed once, on its own line, outside the JSON log stream; never logged again.
      process.stdout.write(`Engram admin token (shown once, store it now): ${boot.mintedToken}\n`);
    }
  }

  // Background work: the jobs ledger run in process (unless QStash delivers it), the
  // idle-session sweep and the retention sweep.
  if (services.jobs.kind === "embedded") runtime.jobWorker.start();
  const stopSweep = scheduleSessionSweep(services, config.SESSION_IDLE_MINUTES, config.SESSION_SWEEP_SECONDS);
  const stopRetention = scheduleRetentionSweep(
    services,
    retentionPolicyOf(config),
    config.RETENTION_SWEEP_SECONDS,
  );

  if (socketPort && runtime.embedded) {
    logger.info("embedded database exposed", { url: `postgres://postgres@127.0.0.1:${socketPort}/postgres` });
  }

  // Tokenizer tables take ~0.2 s to load: load them now, off the request path.
  warmTokenizers().catch((err: unknown) =>
    logger.warn("tokenizer warm-up failed", { error: err instanceof Error ? err.name : "unknown" }),
  );
  const grpc = config.GRPC_PORT > 0 ? await startGrpcServer(services, config.GRPC_PORT, config.HOST) : null;
  if (grpc) logger.info("grpc listening", { url: `http://${config.HOST}:${grpc.port}`, protocol: "h2c" });

  const app = createApp(() => services);
  const server = serve(
    { fetch: app.fetch, port: config.PORT, hostname: config.HOST, createServer: rpcFirst(services) },
    (info) => {
      logger.info("listening", {
        url: `http://${config.HOST}:${info.port}`,
        startup_ms: Math.round(performance.now() - started),
      });
    },
  );

  server.on("error", (err: NodeJS.ErrnoException) => {
    logger.error("cannot listen", { port: config.PORT, error: err.code ?? err.name });
    void runtime.close().finally(() => process.exit(1));
  });

  const shutdown = (signal: string) => {
    logger.info("shutting down", { signal });
    stopAnalyze();
    stopSweep();
    stopRetention();
    server.close(async () => {
      await services.usage.flush(services.sql, Date.now(), true).catch(() => undefined);
      await grpc?.close();
      await runtime.close();
      process.exit(0);
    });
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `engram: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
