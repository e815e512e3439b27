import type { PGlite, Results, Transaction } from "@electric-sql/pglite";
import {
  canceledBeforeStart,
  type QueryResult,
  type Row,
  type SqlClient,
  type SqlExecutor,
  type TransactionOptions,
  toSqlError,
} from "../../db/ports.js";

/** A PGlite result as the SqlClient port's QueryResult. */
export function toQueryResult<T>(res: Results<T>): QueryResult<T> {
  return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
}

function executor(db: PGlite | Transaction): SqlExecutor {
  return {
    async query<T = Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      try {
        const res = await db.query<T>(text, params as unknown[]);
        return toQueryResult(res);
      } catch (err) {
        throw toSqlError(err);
      }
    },
    async exec(script: string): Promise<void> {
      try {
        await db.exec(script);
      } catch (err) {
        throw toSqlError(err);
      }
    },
  };
}

/**
 * SqlClient over an in-process PGlite instance. PGlite serialises statements and
 * transactions itself, so concurrent callers queue rather than interleave.
 */
export function createPgliteSqlClient(db: PGlite, options: { ownsDb?: boolean } = {}): SqlClient {
  return {
    ...executor(db),
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
      if (options?.signal?.aborted) throw canceledBeforeStart();
      return db.transaction((tx) => {
        // Queued behind other transactions: the caller may have given up meanwhile.
        if (options?.signal?.aborted) throw canceledBeforeStart();
        return fn(executor(tx));
      });
    },
    async close() {
      if (options.ownsDb) await db.close();
    },
  };
}
