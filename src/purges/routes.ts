import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { callerOf } from "../http/caller.js";
import { bearerAuth, errorResponses, IdParams, jsonBody, jsonResponse } from "../http/openapi.js";
import { validationHook } from "../http/validation.js";
import type { AppEnv } from "../services.js";
import { getPurge } from "./get-purge.js";
import { requestOrgPurge } from "./request-org-purge.js";
import {
  OrgPurgeParams,
  OrgPurgeQuery,
  PurgeRefSchema,
  PurgeSchema,
  VerifyPurgeBody,
  VerifyResultSchema,
} from "./schemas.js";
import { verifyPurge } from "./verify-purge.js";

const tags = ["Purges"];

/** GDPR purges: erase an org (DELETE /v1/orgs/{id}), read a purge and verify its certificate. */
export function purgeRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/orgs/{id}",
      tags,
      summary:
        "Purge an organisation and everything it owns (GDPR; asynchronous). platform:admin, or org:admin on its own org; `confirm` repeats the org id",
      security: bearerAuth,
      request: { params: OrgPurgeParams, query: OrgPurgeQuery },
      responses: {
        202: jsonResponse(PurgeRefSchema, "The purge, queued (or the first one)"),
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const { id } = c.req.valid("param");
      const orgId = id === "me" ? caller.principal.orgId : id;
      return c.json(await requestOrgPurge(c.var.services, caller, orgId, c.req.valid("query").confirm), 202);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/purges/{id}",
      tags,
      summary: "A purge: status, progress and, once done, its signed deletion certificate",
      security: bearerAuth,
      request: { params: IdParams },
      responses: { 200: jsonResponse(PurgeSchema, "The purge"), ...errorResponses },
    }),
    async (c) => c.json(await getPurge(c.var.services, callerOf(c), c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/purges/{id}/verify",
      tags,
      summary: "Check the signature of a purge's certificate: the stored one, or a copy posted back",
      security: bearerAuth,
      request: { params: IdParams, body: jsonBody(VerifyPurgeBody, false) },
      responses: { 200: jsonResponse(VerifyResultSchema, "Whether the signature holds"), ...errorResponses },
    }),
    async (c) => {
      // A body is a copy to check, and only that copy is checked (both fields are required
      // in it); no body checks the stored certificate.
      const body = c.req.valid("json") as
        | { certificate?: Record<string, unknown>; signature?: string }
        | undefined;
      const copy =
        body?.certificate !== undefined && body.signature !== undefined
          ? { certificate: body.certificate, signature: body.signature }
          : null;
      return c.json(await verifyPurge(c.var.services, callerOf(c), c.req.valid("param").id, copy), 200);
    },
  );
  return app;
}
