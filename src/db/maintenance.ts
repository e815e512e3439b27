import type { Logger } from "../lib/logger.js";
import type { SqlClient } from "./ports.js";

const TABLES = ["memories", "memory_tags", "sessions", "session_messages", "agents", "api_tokens"];

/**
 * Refreshes planner statistics. Postgres servers do this through autovacuum; the
 * embedded PGlite has none, and with stale statistics the planner skips the ANN index
 * (measured: a 100k-memory search fell from ~2 ms to ~200 ms). Node runs it at start
 * and periodically when the database is embedded.
 */
export async function analyzeTables(sql: SqlClient): Promise<void> {
  await sql.exec(`ANALYZE ${TABLES.join(", ")}`);
}

/** Schedules analyzeTables every `intervalMs`; the timer never keeps the process alive. */
export function scheduleAnalyze(sql: SqlClient, logger: Logger, intervalMs = 10 * 60_000): () => void {
  const run = () =>
    analyzeTables(sql).catch((err: unknown) =>
      logger.warn("analyze failed", { error: err instanceof Error ? err.name : "unknown" }),
    );
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
