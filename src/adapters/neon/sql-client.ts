import { neonConfig, Pool } from "@neondatabase/serverless";
import type { SqlClient } from "../../db/ports.js";
import { createPoolSqlClient, type PgLikePool } from "../pg/pool-client.js";

export interface NeonSqlClientOptions {
  connectionString: string;
  /**
   * A WebSocket-to-TCP relay URL (`host:port/path`) for Postgres servers other than
   * Neon's own; Neon's endpoints need none. The relay receives the target as `?address=`.
   */
  wsProxy?: string;
  /** Use ws:// instead of wss:// (only for a relay on loopback). */
  insecureWebSocket?: boolean;
  /** A WebSocket implementation where the runtime has none global (Node 20). */
  webSocketConstructor?: unknown;
  max?: number;
}

/**
 * SqlClient over Neon's serverless driver (Postgres wire protocol over WebSocket).
 * The relay settings are the driver's process-wide configuration: one deployment
 * talks to one database, so they are set once per isolate.
 */
export function createNeonSqlClient(options: NeonSqlClientOptions): SqlClient {
  const wsProxy = options.wsProxy;
  if (wsProxy) {
    neonConfig.wsProxy = (host, port) => `${wsProxy}?address=${encodeURIComponent(`${host}:${port}`)}`;
  }
  if (options.insecureWebSocket) {
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineConnect = false;
  }
  if (options.webSocketConstructor) {
    neonConfig.webSocketConstructor = options.webSocketConstructor as typeof neonConfig.webSocketConstructor;
  }
  const pool = new Pool({ connectionString: options.connectionString, max: options.max ?? 1 });
  pool.on("error", () => {});
  return createPoolSqlClient(pool as unknown as PgLikePool);
}
