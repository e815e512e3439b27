import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AppError } from "../lib/errors.js";
import type { AppEnv } from "../services.js";

/** Refuses bodies over MAX_BODY_BYTES with 413 before they are read into memory. */
export function limitBody(): MiddlewareHandler<AppEnv> {
  return (c, next) =>
    bodyLimit({
      maxSize: c.get("services").config.MAX_BODY_BYTES,
      onError: () => {
        throw new AppError("RESOURCE_EXHAUSTED", "request body too large", { status: 413 });
      },
    })(c, next);
}

/** Requests that carry a body must say it is JSON (415 otherwise). */
export function requireJsonBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const method = c.req.method;
    const hasBody =
      (method === "POST" || method === "PUT" || method === "PATCH" || method === "DELETE") &&
      (Number(c.req.header("content-length") ?? "0") > 0 || c.req.header("transfer-encoding") !== undefined);
    if (hasBody) {
      const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      if (type !== "application/json" && !type.endsWith("+json")) {
        throw new AppError("INVALID_ARGUMENT", "request body must be application/json", { status: 415 });
      }
    }
    await next();
  };
}
