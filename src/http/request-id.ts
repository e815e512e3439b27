import type { MiddlewareHandler } from "hono";
import { uuidv7 } from "../lib/ids.js";
import type { AppEnv } from "../services.js";

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id when it looks safe to log, else a new one. */
export function requestIdFrom(incoming: string | null | undefined): string {
  return incoming && SAFE_ID.test(incoming) ? incoming : uuidv7();
}

/** Accepts a sane X-Request-Id or generates one; echoes it on every response. */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = requestIdFrom(c.req.header("x-request-id"));
    c.set("requestId", id);
    c.header("x-request-id", id);
    await next();
    c.res.headers.set("x-request-id", id);
  };
}
