import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { callerOf } from "../http/caller.js";
import { bearerAuth, errorResponses, IdParams, jsonBody, jsonResponse } from "../http/openapi.js";
import { validationHook } from "../http/validation.js";
import type { AppEnv } from "../services.js";
import { createUser, deleteUser, getUser, listUsers, updateUser } from "./manage-users.js";
import { CreateUserBody, ListUsersQuery, UpdateUserBody, UserPageSchema, UserSchema } from "./schemas.js";

const tags = ["Users"];

/** REST routes for users under /v1/users (org:admin). */
export function userRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/users",
      tags,
      summary: "Add a user",
      security: bearerAuth,
      request: { body: jsonBody(CreateUserBody) },
      responses: { 201: jsonResponse(UserSchema, "The user"), ...errorResponses },
    }),
    async (c) => c.json(await createUser(c.var.services, callerOf(c), c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/users",
      tags,
      summary: "List users",
      security: bearerAuth,
      request: { query: ListUsersQuery },
      responses: { 200: jsonResponse(UserPageSchema, "A page of users"), ...errorResponses },
    }),
    async (c) => c.json(await listUsers(c.var.services, callerOf(c), c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/users/{id}",
      tags,
      summary: "Get a user",
      security: bearerAuth,
      request: { params: IdParams },
      responses: { 200: jsonResponse(UserSchema, "The user"), ...errorResponses },
    }),
    async (c) => c.json(await getUser(c.var.services, callerOf(c), c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/v1/users/{id}",
      tags,
      summary: "Rename a user or change their role",
      security: bearerAuth,
      request: { params: IdParams, body: jsonBody(UpdateUserBody) },
      responses: { 200: jsonResponse(UserSchema, "The updated user"), ...errorResponses },
    }),
    async (c) =>
      c.json(
        await updateUser(c.var.services, callerOf(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/users/{id}",
      tags,
      summary: "Remove a user and revoke their tokens",
      security: bearerAuth,
      request: { params: IdParams },
      responses: { 204: { description: "Deleted" }, ...errorResponses },
    }),
    async (c) => {
      const s = c.var.services;
      const { revokedTokenIds } = await deleteUser(s, callerOf(c), c.req.valid("param").id);
      for (const id of revokedTokenIds) s.tokenCache.delete(id);
      return c.body(null, 204);
    },
  );
  return app;
}
