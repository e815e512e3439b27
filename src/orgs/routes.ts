import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { callerOf } from "../http/caller.js";
import { bearerAuth, errorResponses, jsonBody, jsonResponse } from "../http/openapi.js";
import { validationHook } from "../http/validation.js";
import type { AppEnv } from "../services.js";
import { createOrg } from "./create-org.js";
import { getMyOrg, updateMyOrg } from "./my-org.js";
import { CreatedOrgSchema, CreateOrgBody, OrgSchema, UpdateOrgBody } from "./schemas.js";

const tags = ["Organisations"];

/** REST routes for organisations under /v1/orgs. */
export function orgRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/orgs",
      tags,
      summary: "Onboard an organisation (platform admin); returns its first admin token once",
      security: bearerAuth,
      request: { body: jsonBody(CreateOrgBody) },
      responses: { 201: jsonResponse(CreatedOrgSchema, "The org and its admin token"), ...errorResponses },
    }),
    async (c) => {
      c.header("cache-control", "no-store");
      return c.json(await createOrg(c.var.services, callerOf(c), c.req.valid("json")), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/orgs/me",
      tags,
      summary: "The caller's organisation",
      security: bearerAuth,
      responses: { 200: jsonResponse(OrgSchema, "The organisation"), ...errorResponses },
    }),
    async (c) => c.json(await getMyOrg(c.var.services, callerOf(c)), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/v1/orgs/me",
      tags,
      summary: "Rename the organisation or change its settings",
      security: bearerAuth,
      request: { body: jsonBody(UpdateOrgBody) },
      responses: { 200: jsonResponse(OrgSchema, "The updated organisation"), ...errorResponses },
    }),
    async (c) => c.json(await updateMyOrg(c.var.services, callerOf(c), c.req.valid("json")), 200),
  );
  return app;
}
