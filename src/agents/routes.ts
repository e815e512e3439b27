import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { callerOf } from "../http/caller.js";
import { bearerAuth, errorResponses, IdParams, jsonBody, jsonResponse } from "../http/openapi.js";
import { validationHook } from "../http/validation.js";
import { requestAgentPurge } from "../purges/request-agent-purge.js";
import { PurgeRefSchema } from "../purges/schemas.js";
import type { AppEnv } from "../services.js";
import { type AgentAction, changeAgentStatus } from "./change-agent-status.js";
import { createAgent } from "./create-agent.js";
import { deleteAgent } from "./delete-agent.js";
import { getAgent } from "./get-agent.js";
import { listAgents } from "./list-agents.js";
import {
  AgentPageSchema,
  AgentSchema,
  CreateAgentBody,
  DeleteAgentQuery,
  ListAgentsQuery,
  UpdateAgentBody,
} from "./schemas.js";
import { updateAgent } from "./update-agent.js";

const tags = ["Agents"];

/** REST routes for agents under /v1/agents. */
export function agentRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/agents",
      tags,
      summary: "Create an agent",
      security: bearerAuth,
      request: { body: jsonBody(CreateAgentBody) },
      responses: { 201: jsonResponse(AgentSchema, "The agent"), ...errorResponses },
    }),
    async (c) => c.json(await createAgent(c.var.services, callerOf(c), c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/agents",
      tags,
      summary: "List agents",
      security: bearerAuth,
      request: { query: ListAgentsQuery },
      responses: { 200: jsonResponse(AgentPageSchema, "A page of agents"), ...errorResponses },
    }),
    async (c) => c.json(await listAgents(c.var.services, callerOf(c), c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/agents/{id}",
      tags,
      summary: "Get an agent",
      security: bearerAuth,
      request: { params: IdParams },
      responses: { 200: jsonResponse(AgentSchema, "The agent"), ...errorResponses },
    }),
    async (c) => c.json(await getAgent(c.var.services, callerOf(c), c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/v1/agents/{id}",
      tags,
      summary: "Rename an agent or change its config (the slug is immutable)",
      security: bearerAuth,
      request: { params: IdParams, body: jsonBody(UpdateAgentBody) },
      responses: { 200: jsonResponse(AgentSchema, "The updated agent"), ...errorResponses },
    }),
    async (c) =>
      c.json(
        await updateAgent(c.var.services, callerOf(c), c.req.valid("param").id, c.req.valid("json")),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/agents/{id}",
      tags,
      summary:
        "Delete an agent that has no sessions (archive it otherwise); with purge=true, erase it and everything it owns (org:admin, asynchronous)",
      security: bearerAuth,
      request: { params: IdParams, query: DeleteAgentQuery },
      responses: {
        202: jsonResponse(PurgeRefSchema, "purge=true: the purge, queued (or the first one)"),
        204: { description: "Deleted" },
        ...errorResponses,
      },
    }),
    async (c) => {
      const s = c.var.services;
      const id = c.req.valid("param").id;
      if (c.req.valid("query").purge === "true")
        return c.json(await requestAgentPurge(s, callerOf(c), id), 202);
      const revoked = await deleteAgent(s, callerOf(c), id);
      for (const tokenId of revoked) s.tokenCache.delete(tokenId);
      return c.body(null, 204);
    },
  );

  for (const action of ["activate", "pause", "archive"] as const satisfies AgentAction[]) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/v1/agents/{id}/${action}`,
        tags,
        summary: `${action[0]?.toUpperCase()}${action.slice(1)} an agent`,
        security: bearerAuth,
        request: { params: IdParams },
        responses: { 200: jsonResponse(AgentSchema, "The agent after the change"), ...errorResponses },
      }),
      async (c) =>
        c.json(await changeAgentStatus(c.var.services, callerOf(c), c.req.valid("param").id, action), 200),
    );
  }
  return app;
}
