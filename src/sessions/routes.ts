import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { callerOf } from "../http/caller.js";
import { bearerAuth, errorResponses, jsonBody, jsonResponse } from "../http/openapi.js";
import { validationHook } from "../http/validation.js";
import type { AppEnv } from "../services.js";
import { appendTurns } from "./append-turns.js";
import { completeSession } from "./complete-session.js";
import { deleteSession } from "./delete-session.js";
import { getSession } from "./get-session.js";
import { listSessions } from "./list-sessions.js";
import { toMessages } from "./messages-input.js";
import {
  AgentParams,
  AppendTurnsBody,
  AppendTurnsResultSchema,
  CompleteSessionResultSchema,
  DeleteSessionQuery,
  DeleteSessionResultSchema,
  GetSessionQuery,
  ListSessionsQuery,
  SessionDetailSchema,
  SessionPageSchema,
  SessionParams,
} from "./schemas.js";

const tags = ["Sessions"];
const base = "/v1/agents/{agent_id}/sessions";

/** REST routes for an agent's sessions (sessions-jobs-archives.md, "Session ingestion"). */
export function sessionRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: "post",
      path: `${base}/{session_id}/messages`,
      tags,
      summary: "Append turns (creates the session on first use; idempotent with idempotency_key)",
      security: bearerAuth,
      request: { params: SessionParams, body: jsonBody(AppendTurnsBody) },
      responses: {
        200: jsonResponse(
          AppendTurnsResultSchema,
          "The session after the append, or the first result of a replayed key",
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { agent_id, session_id } = c.req.valid("param");
      const body = c.req.valid("json");
      const result = await appendTurns(c.var.services, callerOf(c), {
        agentId: agent_id,
        sessionId: session_id,
        messages: toMessages(body.messages),
        ...(body.idempotency_key ? { idempotencyKey: body.idempotency_key } : {}),
      });
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: `${base}/{session_id}/complete`,
      tags,
      summary: "Complete a session: enqueues its extraction and its archive",
      security: bearerAuth,
      request: { params: SessionParams },
      responses: {
        202: jsonResponse(CompleteSessionResultSchema, "Completed; jobs enqueued"),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { agent_id, session_id } = c.req.valid("param");
      return c.json(await completeSession(c.var.services, callerOf(c), agent_id, session_id), 202);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: base,
      tags,
      summary: "List an agent's sessions, newest first",
      security: bearerAuth,
      request: { params: AgentParams, query: ListSessionsQuery },
      responses: { 200: jsonResponse(SessionPageSchema, "A page of sessions"), ...errorResponses },
    }),
    async (c) =>
      c.json(
        await listSessions(c.var.services, callerOf(c), c.req.valid("param").agent_id, c.req.valid("query")),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: `${base}/{session_id}`,
      tags,
      summary: "Get a session and a page of its messages (in order; page with after_seq)",
      security: bearerAuth,
      request: { params: SessionParams, query: GetSessionQuery },
      responses: { 200: jsonResponse(SessionDetailSchema, "The session"), ...errorResponses },
    }),
    async (c) => {
      const { agent_id, session_id } = c.req.valid("param");
      const q = c.req.valid("query");
      const page = { limit: q.limit, ...(q.after_seq !== undefined ? { afterSeq: q.after_seq } : {}) };
      return c.json(await getSession(c.var.services, callerOf(c), agent_id, session_id, page), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: `${base}/{session_id}`,
      tags,
      summary:
        "Delete a session: its messages, archive and assembly events (its memories too with with_memories=true)",
      security: bearerAuth,
      request: { params: SessionParams, query: DeleteSessionQuery },
      responses: { 200: jsonResponse(DeleteSessionResultSchema, "What was deleted"), ...errorResponses },
    }),
    async (c) => {
      const { agent_id, session_id } = c.req.valid("param");
      const withMemories = c.req.valid("query").with_memories === "true";
      return c.json(
        await deleteSession(c.var.services, callerOf(c), agent_id, session_id, withMemories),
        200,
      );
    },
  );
  return app;
}
