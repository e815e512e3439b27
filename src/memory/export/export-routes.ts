import { createRoute, type OpenAPIHono as Hono, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { callerOf } from "../../http/caller.js";
import { bearerAuth, errorResponses, jsonBody, jsonResponse, ProblemSchema } from "../../http/openapi.js";
import { validationHook } from "../../http/validation.js";
import type { AppEnv } from "../../services.js";
import {
  AgentParams,
  DownloadParams,
  DownloadQuery,
  ExportBody,
  ExportParams,
  ExportSchema,
} from "../schemas.js";
import { getExport, readExportDownload, startExport } from "./export-memories.js";

const tags = ["Memories"];
const base = "/v1/agents/{agent_id}/memories";

/** Where clients reach this service: PUBLIC_URL, else the request's own origin. */
function baseUrlOf(c: Context<AppEnv>): string {
  return c.var.services.config.PUBLIC_URL ?? new URL(c.req.url).origin;
}

/** `POST /export` and `GET /export/{job_id}`; registered before `/{memory_id}`. */
export function registerExportRoutes(app: Hono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "post",
      path: `${base}/export`,
      tags,
      summary: "Export memories as JSON lines or CSV (embeddings excluded)",
      description:
        "Up to 1,000 memories are written before the answer (201, `succeeded`); larger exports run in the background (202, `running`): poll the job until it has a download link.",
      security: bearerAuth,
      request: { params: AgentParams, body: jsonBody(ExportBody, false) },
      responses: {
        201: jsonResponse(ExportSchema, "The export is written; `download_url` fetches it"),
        202: jsonResponse(ExportSchema, "The export is running; poll the job"),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { agent_id } = c.req.valid("param");
      const { format, ...filter } = c.req.valid("json");
      const job = await startExport(c.var.services, callerOf(c), agent_id, format, filter, baseUrlOf(c));
      c.header("location", `/v1/agents/${agent_id}/memories/export/${job.id}`);
      return job.status === "running" ? c.json(job, 202) : c.json(job, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: `${base}/export/{job_id}`,
      tags,
      summary: "An export job; once it has succeeded, a fresh download link valid 15 minutes",
      security: bearerAuth,
      request: { params: ExportParams },
      responses: { 200: jsonResponse(ExportSchema, "The export job"), ...errorResponses },
    }),
    async (c) => {
      const { agent_id, job_id } = c.req.valid("param");
      return c.json(await getExport(c.var.services, callerOf(c), agent_id, job_id, baseUrlOf(c)), 200);
    },
  );
}

/** The signed download link of an export: the link itself is the credential (no token). */
export function exportDownloadRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(
    createRoute({
      method: "get",
      path: "/downloads/exports/{job_id}",
      tags,
      summary: "Download an export through the signed link from its job",
      request: { params: DownloadParams, query: DownloadQuery },
      responses: {
        200: {
          description: "The export file",
          content: {
            "application/x-ndjson": { schema: { type: "string" } },
            "text/csv": { schema: { type: "string" } },
          },
        },
        400: {
          description: "Malformed link",
          content: { "application/problem+json": { schema: ProblemSchema } },
        },
        403: {
          description: "Invalid or expired link",
          content: { "application/problem+json": { schema: ProblemSchema } },
        },
        404: {
          description: "The export is gone",
          content: { "application/problem+json": { schema: ProblemSchema } },
        },
      },
    }),
    async (c) => {
      const { org, expires, signature } = c.req.valid("query");
      const file = await readExportDownload(c.var.services, {
        id: c.req.valid("param").job_id,
        orgId: org,
        expires,
        signature,
      });
      return c.body(file.body as Uint8Array<ArrayBuffer>, 200, {
        "content-type": file.contentType,
        "content-disposition": `attachment; filename="${file.filename}"`,
        "cache-control": "private, no-store",
        "x-content-type-options": "nosniff",
      });
    },
  );
  return app;
}
