import { OpenAPIHono } from "@hono/zod-openapi";
import { agentRoutes } from "./agents/routes.js";
import { archiveDownloadRoutes, archiveRoutes } from "./archives/routes.js";
import { directiveRoutes } from "./directives/routes.js";
import { accessLog } from "./http/access-log.js";
import { authenticate } from "./http/auth.js";
import { limitBody, requireJsonBody } from "./http/body.js";
import { docsRoutes } from "./http/docs.js";
import { healthRoutes } from "./http/health.js";
import { problemResponse } from "./http/problem.js";
import { requestId } from "./http/request-id.js";
import { validationHook } from "./http/validation.js";
import { jobDeliveryRoutes, jobRoutes } from "./jobs/routes.js";
import { AppError } from "./lib/errors.js";
import { exportDownloadRoutes } from "./memory/export/export-routes.js";
import { memoryRoutes } from "./memory/routes.js";
import { orgRoutes } from "./orgs/routes.js";
import { purgeRoutes } from "./purges/routes.js";
import { rpcRoutes } from "./rpc/routes.js";
import type { AppEnv, BackgroundContext, ServicesResolver } from "./services.js";
import { sessionRoutes } from "./sessions/routes.js";
import { tokenRoutes } from "./tokens/routes.js";
import { userRoutes } from "./users/routes.js";

export const API_VERSION = "0.1.0";

/**
 * Builds the Hono app. Entry points differ only in `resolve`, which returns the
 * services for a request (a singleton on Node, built from bindings on Workers).
 */
export function createApp(resolve: ServicesResolver): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use("*", requestId());
  app.use("*", async (c, next) => {
    let executionCtx: BackgroundContext | undefined;
    try {
      executionCtx = c.executionCtx;
    } catch {
      executionCtx = undefined; // Node: no ExecutionContext.
    }
    c.set("services", resolve(c.env, executionCtx));
    await next();
  });
  app.use("*", accessLog());

  app.route("/", healthRoutes());
  app.route("/", docsRoutes());
  app.route("/", exportDownloadRoutes());
  app.route("/", archiveDownloadRoutes());
  app.route("/", rpcRoutes());
  app.route("/", jobDeliveryRoutes());

  app.use("/v1/*", limitBody(), requireJsonBody(), authenticate());
  app.route("/", orgRoutes());
  app.route("/", userRoutes());
  app.route("/", agentRoutes());
  app.route("/", tokenRoutes());
  app.route("/", memoryRoutes());
  app.route("/", directiveRoutes());
  app.route("/", sessionRoutes());
  app.route("/", archiveRoutes());
  app.route("/", jobRoutes());
  app.route("/", purgeRoutes());

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "An Engram token: eg_pat_… or eg_svc_…",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Engram management API",
      version: API_VERSION,
      description:
        "Manage organisations, users, agents, tokens, memories, sessions and jobs. Errors are application/problem+json.",
    },
  });

  app.notFound((c) => problemResponse(c, new AppError("NOT_FOUND", "no such route")));
  app.onError((err, c) => problemResponse(c, err));
  return app;
}
