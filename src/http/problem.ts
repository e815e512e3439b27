import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { unavailableDatabase } from "../db/ports.js";
import { AppError, ERROR_TABLE, type ErrorCode, isAppError } from "../lib/errors.js";
import type { AppEnv } from "../services.js";

/** The RFC 9457 body Engram answers with. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  errors?: { path: string; message: string }[];
}

function fromHttpException(err: HTTPException): AppError {
  const status = err.status;
  const code: ErrorCode =
    status === 401
      ? "UNAUTHENTICATED"
      : status === 403
        ? "PERMISSION_DENIED"
        : status === 404
          ? "NOT_FOUND"
          : status === 413 || status === 429
            ? "RESOURCE_EXHAUSTED"
            : status >= 500
              ? "INTERNAL"
              : "INVALID_ARGUMENT";
  return new AppError(code, status >= 500 ? "internal error" : err.message || "bad request", { status });
}

/**
 * Maps anything thrown to an AppError: a lost or unreachable database becomes a
 * retryable UNAVAILABLE; other unknown errors an opaque INTERNAL.
 */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (err instanceof HTTPException) return fromHttpException(err);
  return unavailableDatabase(err) ?? new AppError("INTERNAL", "internal error", { cause: err });
}

/** The problem+json body and headers for an error (pure; shared by every app). */
export function problemOf(appErr: AppError, requestId: string, docsBase: string) {
  const body: Problem = {
    type: `${docsBase}#${appErr.code.toLowerCase()}`,
    title: ERROR_TABLE[appErr.code].title,
    status: appErr.status,
    detail: appErr.code === "INTERNAL" ? "internal error" : appErr.message,
    code: appErr.code,
    requestId,
  };
  if (appErr.fields?.length) body.errors = appErr.fields;
  const headers: Record<string, string> = { "content-type": "application/problem+json" };
  if (appErr.retryAfter !== undefined) headers["retry-after"] = String(appErr.retryAfter);
  return { body, headers };
}

/** Renders an error as application/problem+json, logging unknown failures in full. */
export function problemResponse(c: Context<AppEnv>, err: unknown): Response {
  const appErr = toAppError(err);
  const requestId = c.get("requestId") ?? "";
  if (appErr.code === "INTERNAL" || appErr.code === "UNAVAILABLE") {
    const cause = appErr.cause ?? err;
    c.get("services")?.logger.error("request failed", {
      request_id: requestId,
      error: cause instanceof Error ? cause.name : typeof cause,
      // Driver messages may quote SQL but never bound values; stacks carry no data.
      error_message: cause instanceof Error ? cause.message : undefined,
      stack: cause instanceof Error ? cause.stack : undefined,
    });
  }
  const { body, headers } = problemOf(
    appErr,
    requestId,
    c.get("services")?.config.ERROR_DOCS_URL ?? "/errors",
  );
  return c.body(JSON.stringify(body), appErr.status as ContentfulStatusCode, headers);
}
