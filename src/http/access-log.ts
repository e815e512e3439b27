import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../services.js";

/**
 * One JSON line per request: method, matched route (never the raw URL, which may carry
 * ids or queries), status, duration, org, token id and request id.
 */
export function accessLog(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const start = performance.now();
    await next();
    const principal = c.get("principal");
    c.get("services")?.logger.info("request", {
      method: c.req.method,
      route: routePath(c, -1) || "unmatched",
      status: c.res.status,
      duration_ms: Math.round((performance.now() - start) * 100) / 100,
      org_id: principal?.orgId,
      token_id: principal?.tokenId,
      request_id: c.get("requestId"),
    });
  };
}
