import pg from "pg";
import type { SqlClient } from "../../db/ports.js";
import { createPoolSqlClient, type PgLikePool } from "./pool-client.js";

export interface PgSqlClientOptions {
  connectionString: string;
  /** Pool size; 1 on Workers (one request), more on Node. */
  max?: number;
  connectionTimeoutMillis?: number;
}

/**
 * SqlClient over node-postgres (TCP). Works on Node and, with `nodejs_compat`, on
 * Workers through `cloudflare:sockets` (directly or via Hyperdrive). Connects lazily.
 */
export function createPgSqlClient(options: PgSqlClientOptions): SqlClient {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
  });
  // An idle client that loses its connection emits 'error' on the pool; without a
  // listener Node would crash the process. The next query reconnects.
  pool.on("error", () => {});
  return createPoolSqlClient(pool as unknown as PgLikePool);
}
