import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { limitBody } from "../http/body.js";
import { callerOf } from "../http/caller.js";
import { bearerAuth, errorResponses, IdParams, jsonResponse } from "../http/openapi.js";
import { validationHook } from "../http/validation.js";
import { AppError } from "../lib/errors.js";
import type { AppEnv } from "../services.js";
import { deliverJob } from "./deliver-job.js";
import { getJob } from "./get-job.js";
import { listJobs } from "./list-jobs.js";
import { replayJob } from "./replay-job.js";
import { DeliveryResultSchema, JobDetailSchema, JobPageSchema, ListJobsQuery } from "./schemas.js";

const tags = ["Jobs"];
export const DELIVERY_PATH = "/v1/jobs/deliver";

/** Operator routes for the org's background jobs (scopes job:read / job:write). */
export function jobRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/jobs",
      tags,
      summary: "List jobs, newest first (filters: status, type)",
      security: bearerAuth,
      request: { query: ListJobsQuery },
      responses: { 200: jsonResponse(JobPageSchema, "A page of jobs"), ...errorResponses },
    }),
    async (c) => c.json(await listJobs(c.var.services, callerOf(c), c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/jobs/{id}",
      tags,
      summary: "Get a job with its dead letters",
      security: bearerAuth,
      request: { params: IdParams },
      responses: { 200: jsonResponse(JobDetailSchema, "The job"), ...errorResponses },
    }),
    async (c) => c.json(await getJob(c.var.services, callerOf(c), c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/jobs/{id}/replay",
      tags,
      summary: "Replay a dead job (dead → queued, attempts reset)",
      security: bearerAuth,
      request: { params: IdParams },
      responses: { 200: jsonResponse(JobDetailSchema, "The job, queued again"), ...errorResponses },
    }),
    async (c) => c.json(await replayJob(c.var.services, callerOf(c), c.req.valid("param").id), 200),
  );
  return app;
}

/**
 * The publishing transport's webhook (QStash). Not bearer-authenticated: the
 * `Upstash-Signature` is verified before the body is parsed. 404 when no publishing
 * transport is configured. A retryable failure answers 503 so the transport delivers
 * again; everything else is acknowledged with 200.
 */
export function jobDeliveryRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use(DELIVERY_PATH, limitBody());
  app.openapi(
    createRoute({
      method: "post",
      path: DELIVERY_PATH,
      tags,
      summary: "Job delivery webhook (signed by QStash)",
      request: {
        headers: z.object({ "upstash-signature": z.string().max(8192).optional() }),
      },
      responses: {
        200: jsonResponse(DeliveryResultSchema, "Handled, or acknowledged without running"),
        401: errorResponses[401],
        404: errorResponses[404],
        413: errorResponses[413],
        503: { description: "The job failed and will be delivered again" },
      },
    }),
    async (c) => {
      const s = c.var.services;
      const delivery = s.jobDelivery;
      if (!delivery) throw new AppError("NOT_FOUND", "no such route");
      const body = await c.req.text();
      const outcome = await deliverJob(
        { ...s.jobRunner, verifier: delivery.verifier },
        { signature: c.req.header("upstash-signature"), body, url: delivery.url },
      );
      if (outcome === "retry") {
        throw new AppError("UNAVAILABLE", "job failed; it will be retried", { retryable: true });
      }
      return c.json({ outcome }, 200);
    },
  );
  return app;
}
