import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { callerOf } from "../http/caller.js";
import { bearerAuth, errorResponses, IdParams, jsonBody, jsonResponse } from "../http/openapi.js";
import { validationHook } from "../http/validation.js";
import type { AppEnv } from "../services.js";
import { createToken } from "./create-token.js";
import { listTokens } from "./list-tokens.js";
import { revokeToken } from "./revoke-token.js";
import {
  CreatedTokenSchema,
  CreateTokenBody,
  ListTokensQuery,
  RevokeTokenBody,
  TokenPageSchema,
  TokenSchema,
} from "./schemas.js";

const tags = ["Tokens"];

/** REST routes for API tokens under /v1/tokens. */
export function tokenRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/tokens",
      tags,
      summary: "Create a token (the plaintext is returned once)",
      security: bearerAuth,
      request: { body: jsonBody(CreateTokenBody) },
      responses: { 201: jsonResponse(CreatedTokenSchema, "The token with its plaintext"), ...errorResponses },
    }),
    async (c) => {
      c.header("cache-control", "no-store");
      return c.json(await createToken(c.var.services, callerOf(c), c.req.valid("json")), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/tokens",
      tags,
      summary: "List tokens",
      security: bearerAuth,
      request: { query: ListTokensQuery },
      responses: { 200: jsonResponse(TokenPageSchema, "A page of tokens"), ...errorResponses },
    }),
    async (c) => c.json(await listTokens(c.var.services, callerOf(c), c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/tokens/{id}",
      tags,
      summary: "Revoke a token (effective within 1 s everywhere)",
      security: bearerAuth,
      request: { params: IdParams, body: jsonBody(RevokeTokenBody, false) },
      responses: { 200: jsonResponse(TokenSchema, "The revoked token"), ...errorResponses },
    }),
    async (c) => {
      const s = c.var.services;
      const body = c.req.valid("json") ?? {};
      const view = await revokeToken(
        { sql: s.sql, cache: s.tokenCache },
        callerOf(c),
        c.req.valid("param").id,
        body.reason ?? c.req.query("reason") ?? null,
      );
      return c.json(view, 200);
    },
  );
  return app;
}
