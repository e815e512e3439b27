/** The closed set of error codes shared by REST (problem+json) and RPC (Connect). */
export const ERROR_CODES = [
  "INVALID_ARGUMENT",
  "UNAUTHENTICATED",
  "PERMISSION_DENIED",
  "NOT_FOUND",
  "CONFLICT",
  "FAILED_PRECONDITION",
  "RESOURCE_EXHAUSTED",
  "UNAVAILABLE",
  "INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One row per code: the HTTP status, the Connect code and a short human title. */
export const ERROR_TABLE: Record<ErrorCode, { status: number; connect: string; title: string }> = {
  INVALID_ARGUMENT: { status: 400, connect: "invalid_argument", title: "Invalid argument" },
  UNAUTHENTICATED: { status: 401, connect: "unauthenticated", title: "Unauthenticated" },
  PERMISSION_DENIED: { status: 403, connect: "permission_denied", title: "Permission denied" },
  NOT_FOUND: { status: 404, connect: "not_found", title: "Not found" },
  CONFLICT: { status: 409, connect: "already_exists", title: "Conflict" },
  FAILED_PRECONDITION: { status: 409, connect: "failed_precondition", title: "Failed precondition" },
  RESOURCE_EXHAUSTED: { status: 429, connect: "resource_exhausted", title: "Resource exhausted" },
  UNAVAILABLE: { status: 503, connect: "unavailable", title: "Unavailable" },
  INTERNAL: { status: 500, connect: "internal", title: "Internal error" },
};

/** A field-level validation problem, listed in problem+json `errors`. */
export interface FieldError {
  path: string;
  message: string;
}

export interface AppErrorOptions {
  /** Overrides the code's default HTTP status (e.g. 413 for an oversized body). */
  status?: number;
  fields?: FieldError[];
  /** Whether retrying the same operation may succeed (transport faults, timeouts). */
  retryable?: boolean;
  /** Seconds after which a retry is welcome (sent as Retry-After). */
  retryAfter?: number;
  cause?: unknown;
}

/** The one error type of the domain; everything else is mapped to INTERNAL at the edge. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields: FieldError[] | undefined;
  readonly retryable: boolean;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = options.status ?? ERROR_TABLE[code].status;
    this.fields = options.fields;
    this.retryable = options.retryable ?? (code === "UNAVAILABLE" || code === "RESOURCE_EXHAUSTED");
    this.retryAfter = options.retryAfter;
  }
}

/** True when `err` is an AppError (works across module copies, unlike instanceof alone). */
export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError || (err instanceof Error && err.name === "AppError" && "code" in err);
}

/** Shorthand for the not-found answer every cross-tenant lookup gets. */
export function notFound(what: string): AppError {
  return new AppError("NOT_FOUND", `${what} not found`);
}

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/**
 * What of a store's error may be kept as a cause, which reaches the log: its class
 * name and its code (`ENOENT`, `ECONNREFUSED`, an S3 error code) as the message,
 * never the original message or stack. A filesystem error's message holds the full
 * path (org, agent and session ids), and other stores' messages may quote a key or a
 * command's arguments; the code says what went wrong.
 */
export function redactedCause(err: unknown): Error {
  const { name, code } = (err ?? {}) as { name?: unknown; code?: unknown };
  const className = typeof name === "string" && IDENTIFIER.test(name) ? name : "Error";
  const errorCode = typeof code === "string" && IDENTIFIER.test(code) ? code : undefined;
  const cause = new Error(errorCode ?? className);
  cause.name = className;
  if (errorCode) Object.assign(cause, { code: errorCode });
  return cause;
}
