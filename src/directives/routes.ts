import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { callerOf } from "../http/caller.js";
import { bearerAuth, errorResponses, jsonBody, jsonResponse } from "../http/openapi.js";
import { validationHook } from "../http/validation.js";
import type { AppEnv } from "../services.js";
import {
  deleteDirective,
  getDirective,
  getDirectiveVersion,
  listDirectiveVersions,
  putDirective,
  rollbackDirective,
} from "./manage-directives.js";
import {
  AgentIdParams,
  DirectiveVersionPage,
  DirectiveVersionSchema,
  DirectiveVersionsQuery,
  PutDirectiveBody,
  RollbackBody,
  VersionParams,
} from "./schemas.js";

const tags = ["Directives"];
const base = "/v1/agents/{id}/directive";

/** REST routes for an agent's versioned directive (management-api.md). */
export function directiveRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const ok = jsonResponse(DirectiveVersionSchema, "The directive version");

  app.openapi(
    createRoute({
      method: "get",
      path: base,
      tags,
      summary: "The agent's active directive",
      security: bearerAuth,
      request: { params: AgentIdParams },
      responses: { 200: ok, ...errorResponses },
    }),
    async (c) => c.json(await getDirective(c.var.services, callerOf(c), c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "put",
      path: base,
      tags,
      summary: "Write a new directive version and make it active (at most 32,768 characters)",
      security: bearerAuth,
      request: { params: AgentIdParams, body: jsonBody(PutDirectiveBody) },
      responses: { 200: ok, ...errorResponses },
    }),
    async (c) =>
      c.json(
        await putDirective(c.var.services, callerOf(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: base,
      tags,
      summary: "Clear the active directive (versions are kept)",
      security: bearerAuth,
      request: { params: AgentIdParams },
      responses: { 204: { description: "Cleared" }, ...errorResponses },
    }),
    async (c) => {
      await deleteDirective(c.var.services, callerOf(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: `${base}/versions`,
      tags,
      summary: "The directive's versions, newest first",
      security: bearerAuth,
      request: { params: AgentIdParams, query: DirectiveVersionsQuery },
      responses: { 200: jsonResponse(DirectiveVersionPage, "A page of versions"), ...errorResponses },
    }),
    async (c) =>
      c.json(
        await listDirectiveVersions(
          c.var.services,
          callerOf(c),
          c.req.valid("param").id,
          c.req.valid("query"),
        ),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: `${base}/versions/{version_num}`,
      tags,
      summary: "One directive version",
      security: bearerAuth,
      request: { params: VersionParams },
      responses: { 200: ok, ...errorResponses },
    }),
    async (c) => {
      const { id, version_num } = c.req.valid("param");
      return c.json(await getDirectiveVersion(c.var.services, callerOf(c), id, version_num), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: `${base}/rollback`,
      tags,
      summary: "Make an earlier version active (moves the pointer; writes no version)",
      security: bearerAuth,
      request: { params: AgentIdParams, body: jsonBody(RollbackBody) },
      responses: { 200: ok, ...errorResponses },
    }),
    async (c) =>
      c.json(
        await rollbackDirective(
          c.var.services,
          callerOf(c),
          c.req.valid("param").id,
          c.req.valid("json").version_num,
        ),
        200,
      ),
  );
  return app;
}
