import { AppError } from "../lib/errors.js";

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

// The server is shutting down, restarting, refusing connections or full, or ended
// this session (pg_terminate_backend is 57P01): the statement did not run to its end.
const UNAVAILABLE_STATES = new Set(["57P01", "57P02", "57P03", "57P05", "53300"]);

// Socket-level failures, as Node reports them in `code`.
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

// What node-postgres (and Neon's fork of it) say, with no code, when the connection
// is lost, cannot be made in time, or is not usable after a loss.
const CONNECTION_LOST =
  /connection terminated|terminating connection|not queryable|timeout exceeded when trying to connect|connection (?:is )?closed|socket hang up|websocket/i;

/** Whether a driver error says the database could not be reached or the link broke. */
function isConnectionFailure(err: unknown, sqlState: string | undefined): boolean {
  if (sqlState !== undefined) return sqlState.startsWith("08") || UNAVAILABLE_STATES.has(sqlState);
  const e = (err ?? {}) as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return true;
  // Several addresses tried at once fail together (an AggregateError of socket errors).
  if (Array.isArray(e.errors) && e.errors.some((x) => isConnectionFailure(x, undefined))) return true;
  return typeof e.message === "string" && CONNECTION_LOST.test(e.message);
}

/** A driver error with the SQLSTATE kept, so callers can branch on constraint violations. */
export class SqlError extends Error {
  readonly sqlState: string | undefined;
  readonly constraint: string | undefined;
  /** Transport failures and serialisation conflicts may succeed when retried. */
  readonly retryable: boolean;
  /**
   * The database could not be reached or the connection was lost (refused, reset,
   * terminated, server shutting down): callers answer UNAVAILABLE, not INTERNAL.
   */
  readonly unavailable: boolean;

  constructor(message: string, sqlState?: string, constraint?: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "SqlError";
    this.sqlState = sqlState;
    this.constraint = constraint;
    this.unavailable = isConnectionFailure(cause ?? { message }, sqlState);
    this.retryable =
      this.unavailable ||
      sqlState === undefined ||
      sqlState.startsWith("08") ||
      sqlState === "40001" ||
      sqlState === "40P01";
  }
}

/**
 * The answer for a database that cannot be reached: a retryable UNAVAILABLE that
 * keeps the driver error as its cause (for the log) and never shows its words.
 * Undefined for any other error.
 */
export function unavailableDatabase(err: unknown): AppError | undefined {
  if (!(err instanceof SqlError) || !err.unavailable) return undefined;
  return new AppError("UNAVAILABLE", "the database is unavailable; retry later", {
    cause: err,
    retryable: true,
    retryAfter: 1,
  });
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
