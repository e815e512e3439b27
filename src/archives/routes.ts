import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { callerOf } from "../http/caller.js";
import { bearerAuth, errorResponses, jsonResponse, ProblemSchema } from "../http/openapi.js";
import { validationHook } from "../http/validation.js";
import type { AppEnv } from "../services.js";
import { SessionParams } from "../sessions/schemas.js";
import { getArchive } from "./get-archive.js";
import { readArchiveDownload } from "./read-archive-download.js";
import { ArchiveDownloadParams, ArchiveDownloadQuery, ArchiveSchema } from "./schemas.js";

const tags = ["Sessions"];

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/** `GET …/sessions/{session_id}/archive`: the archive's metadata and a download link (ADR-0041). */
export function archiveRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/agents/{agent_id}/sessions/{session_id}/archive",
      tags,
      summary: "A finished session's transcript archive: a download link valid 15 minutes",
      description:
        "The archive is gzipped NDJSON (a header line, then one line per message), written shortly after the session completes or is abandoned. 409 while the session is active; 404 until its archive is written.",
      security: bearerAuth,
      request: { params: SessionParams },
      responses: {
        200: jsonResponse(ArchiveSchema, "The archive and its download link"),
        ...errorResponses,
        503: problem("Object storage is unavailable"),
      },
    }),
    async (c) => {
      const { agent_id, session_id } = c.req.valid("param");
      const baseUrl = c.var.services.config.PUBLIC_URL ?? new URL(c.req.url).origin;
      return c.json(await getArchive(c.var.services, callerOf(c), agent_id, session_id, baseUrl), 200);
    },
  );
  return app;
}

/** The signed download link of an archive: the link itself is the credential (no token). */
export function archiveDownloadRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(
    createRoute({
      method: "get",
      path: "/downloads/archives/{session_uuid}",
      tags,
      summary: "Download a session archive through the signed link from its archive route",
      description:
        "Answers the stored bytes with `Content-Encoding: gzip`: HTTP clients that decode it (browsers, `curl --compressed`) see the NDJSON.",
      request: { params: ArchiveDownloadParams, query: ArchiveDownloadQuery },
      responses: {
        // No content schema: the typed helpers read the NDJSON media type as JSON.
        200: { description: "The archive: `application/x-ndjson` sent with `Content-Encoding: gzip`" },
        400: problem("Malformed link"),
        403: problem("Invalid or expired link"),
        404: problem("The archive is gone"),
        503: problem("Object storage is unavailable"),
      },
    }),
    async (c) => {
      const { org, expires, signature } = c.req.valid("query");
      const file = await readArchiveDownload(c.var.services, {
        sessionUuid: c.req.valid("param").session_uuid,
        orgId: org,
        expires,
        signature,
      });
      const init: ResponseInit & { encodeBody?: "automatic" | "manual" } = {
        status: 200,
        headers: {
          "content-type": file.contentType,
          ...(file.contentEncoding ? { "content-encoding": file.contentEncoding } : {}),
          "content-disposition": `attachment; filename="${file.filename}"`,
          "cache-control": "private, no-store",
          "x-content-type-options": "nosniff",
        },
        // The bytes are gzipped already: Workers would otherwise compress them again to
        // match the Content-Encoding header (Node ignores the option).
        encodeBody: "manual",
      };
      const res = new Response(file.body as Uint8Array<ArrayBuffer>, init);
      // A plain Response: the typed helpers cannot carry encodeBody.
      return res as never;
    },
  );
  return app;
}
