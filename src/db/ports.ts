/** Rows as the driver returns them; domain mappers narrow them. */
export type Row = Record<string, unknown>;

export interface QueryResult<T = Row> {
  rows: T[];
  rowCount: number;
}

/** Anything that runs statements: a client or an open transaction. */
export interface SqlExecutor {
  /** One parameterised statement ($1, $2, ...). */
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** A script of several statements with no parameters (migrations). */
  exec(script: string): Promise<void>;
}

export interface TransactionOptions {
  /**
   * Work for a caller that has stopped waiting (a passed deadline) is not started:
   * once aborted, a transaction still queued for a connection or for the embedded
   * database's single session fails with SqlError 57014 instead of running.
   */
  signal?: AbortSignal;
  /**
   * When the caller stops waiting, on the `performance.now()` clock. A queue that can
   * tell the transaction would not start in time refuses it at once (SqlError 57014)
   * rather than keep it waiting for nothing.
   */
  deadline?: number;
  /**
   * Where the embedded database on its own thread queues work for its one session,
   * `high` goes before `normal`, and `low` (write-back no response waits on) only
   * when nothing else waits or it has waited a second: cheap reads are not stuck
   * behind searches, and searches not behind bookkeeping. Pooled adapters run
   * transactions side by side and ignore it.
   */
  priority?: "high" | "normal" | "low";
}

/**
 * The SqlClient port: the only way domain code reaches Postgres.
 * Adapters: PGlite (in-process), `pg` (TCP / Hyperdrive), Neon serverless (WebSocket).
 */
export interface SqlClient extends SqlExecutor {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * One statement in a transaction of its own, after transaction-local settings
   * (`set_config(name, value, true)` for each pair). Optional: an adapter that can do
   * it in one round trip provides it (the embedded database on its own thread, whose
   * session would otherwise sit idle between messages); `queryAsOrg` in tenant.ts
   * falls back to `transaction` for the others.
   */
  queryWithSettings?<T = Row>(
    settings: readonly (readonly [string, string])[],
    text: string,
    params: readonly unknown[],
    options?: TransactionOptions,
  ): Promise<QueryResult<T>>;
  /**
   * Whether work with these options would be taken now, or refused at once as unable
   * to start before its deadline. Optional: only a client with its own queue can tell
   * (the embedded database on its own thread); a caller about to prepare costly
   * parameters asks first, and treats a missing method as yes.
   */
  admits?(options: TransactionOptions): boolean;
  /** Releases connections; the client is unusable afterwards. */
  close(): Promise<void>;
}

/** A driver error with the SQLSTATE kept, so callers can branch on constraint violations. */
export class SqlError extends Error {
  readonly sqlState: string | undefined;
  readonly constraint: string | undefined;
  /** Transport failures and serialisation conflicts may succeed when retried. */
  readonly retryable: boolean;

  constructor(message: string, sqlState?: string, constraint?: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "SqlError";
    this.sqlState = sqlState;
    this.constraint = constraint;
    this.retryable =
      sqlState === undefined || sqlState.startsWith("08") || sqlState === "40001" || sqlState === "40P01";
  }
}

/**
 * The error for a transaction whose caller gave up before it started. Made without a
 * stack trace: under overload thousands a second are made and dropped, the trace
 * would only say which queue refused, and capturing it was a visible share of the
 * HTTP thread.
 */
export function canceledBeforeStart(why = "the caller stopped waiting"): SqlError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new SqlError(`canceled before it started: ${why}`, "57014");
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Normalises any driver error into a SqlError (idempotent). */
export function toSqlError(err: unknown): SqlError {
  if (err instanceof SqlError) return err;
  const e = (err ?? {}) as { message?: unknown; code?: unknown; constraint?: unknown };
  const code = typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
  const constraint = typeof e.constraint === "string" ? e.constraint : undefined;
  const message = typeof e.message === "string" ? e.message : "database error";
  return new SqlError(message, code, constraint, err);
}

/** True for a unique-constraint violation, optionally on one named constraint/index. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  return (
    err instanceof SqlError &&
    err.sqlState === "23505" &&
    (constraint === undefined || err.constraint === constraint)
  );
}
