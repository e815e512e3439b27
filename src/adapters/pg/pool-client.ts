import {
  canceledBeforeStart,
  type QueryResult,
  type Row,
  type SqlClient,
  type SqlExecutor,
  type TransactionOptions,
  toSqlError,
} from "../../db/ports.js";

/** The subset of a pg-compatible connection both `pg` and Neon's driver provide. */
export interface PgLikeConnection {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
  on?(event: "error", listener: (err: Error) => void): unknown;
  off?(event: "error", listener: (err: Error) => void): unknown;
}

/** The subset of a pg-compatible pool both `pg.Pool` and Neon's `Pool` provide. */
export interface PgLikePool extends PgLikeConnection {
  connect(): Promise<PgLikeConnection & { release(err?: Error | boolean): void }>;
  end(): Promise<void>;
}

function executor(conn: PgLikeConnection): SqlExecutor {
  return {
    async query<T = Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      try {
        const res = await conn.query(text, params as unknown[]);
        return { rows: res.rows as T[], rowCount: res.rowCount ?? res.rows.length };
      } catch (err) {
        throw toSqlError(err);
      }
    },
    async exec(script: string): Promise<void> {
      try {
        // No parameters: the simple-query protocol runs multi-statement scripts.
        await conn.query(script);
      } catch (err) {
        throw toSqlError(err);
      }
    },
  };
}

/**
 * SqlClient over any pg-compatible pool. A transaction pins one connection; a
 * connection whose transaction failed mid-flight is discarded rather than reused.
 */
export function createPoolSqlClient(pool: PgLikePool): SqlClient {
  return {
    ...executor(pool),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
      if (options?.signal?.aborted) throw canceledBeforeStart();
      let conn: Awaited<ReturnType<PgLikePool["connect"]>>;
      try {
        conn = await pool.connect();
      } catch (err) {
        throw toSqlError(err);
      }
      // The wait for a pooled connection may have outlasted the caller.
      if (options?.signal?.aborted) {
        conn.release();
        throw canceledBeforeStart();
      }
      const tx = executor(conn);
      let broken = false;
      // A checked-out client whose connection drops emits 'error'; the pool only
      // listens while the client is idle. The pending query rejects on its own.
      const onError = () => {
        broken = true;
      };
      conn.on?.("error", onError);
      try {
        await tx.query("BEGIN");
        const result = await fn(tx);
        await tx.query("COMMIT");
        return result;
      } catch (err) {
        try {
          await conn.query("ROLLBACK");
        } catch {
          broken = true;
        }
        // Driver errors were already wrapped by the executor; the callback's own
        // errors (AppError and the like) pass through unchanged.
        throw err;
      } finally {
        conn.off?.("error", onError);
        conn.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
