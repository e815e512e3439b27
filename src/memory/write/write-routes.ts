import type { z } from "@hono/zod-openapi";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { auditActor, type Caller, requireAgentAccess, requireScopes } from "../../auth/principal.js";
import { callerOf } from "../../http/caller.js";
import { bearerAuth, errorResponses, jsonBody, jsonResponse } from "../../http/openapi.js";
import { toAppError } from "../../http/problem.js";
import { validationError } from "../../http/validation.js";
import type { AppEnv } from "../../services.js";
import {
  AgentParams,
  BulkCreateBody,
  BulkResultSchema,
  CreateMemoryBody,
  MemoryParams,
  UpdateMemoryBody,
  UpdateResultSchema,
  WriteResultSchema,
} from "../schemas.js";
import { type AddMemoryResult, addMemory } from "./add-memory.js";
import { updateMemory } from "./update-memory.js";

const tags = ["Memories"];
const base = "/v1/agents/{agent_id}/memories";

function toWire(r: AddMemoryResult) {
  switch (r.outcome) {
    case "created":
      return { outcome: r.outcome, memory: r.memory, superseded: r.superseded };
    case "duplicate":
      return { outcome: r.outcome, memory: r.memory };
    case "merged":
      return { outcome: r.outcome, memory: r.memory, merged: r.merged, superseded: r.superseded };
    case "flagged":
      return { outcome: r.outcome, memory: r.memory, reason: r.reason, conflicts_with: r.conflictsWith };
  }
}

/** Runs one validated item through the pipeline (audited with it); the caller checked scopes. */
async function write(
  c: Context<AppEnv>,
  caller: Caller,
  agentId: string,
  b: z.infer<typeof CreateMemoryBody>,
) {
  const s = c.var.services;
  const result = await addMemory(
    { sql: s.sql, embedder: s.embedder, judge: s.judge, kv: s.kv, logger: s.logger, config: s.memoryConfig },
    { orgId: caller.principal.orgId, agentId, changedBy: "user", audit: auditActor(caller) },
    {
      content: b.content,
      category: b.category,
      ...(b.confidence !== undefined ? { confidence: b.confidence } : {}),
      ...(b.source ? { source: b.source } : {}),
      sessionId: b.session_id ?? null,
      ...(b.tags ? { tags: b.tags } : {}),
      ...(b.metadata ? { metadata: b.metadata } : {}),
    },
  );
  return result;
}

/** The routes that write memories through the pipeline: create, bulk create, edit. */
export function registerWriteRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "post",
      path: base,
      tags,
      summary: "Add a memory through the write pipeline (201 created/merged/flagged, 200 duplicate)",
      security: bearerAuth,
      request: { params: AgentParams, body: jsonBody(CreateMemoryBody) },
      responses: {
        201: jsonResponse(WriteResultSchema, "Stored"),
        200: jsonResponse(WriteResultSchema, "Already known"),
        ...errorResponses,
      },
    }),
    async (c) => {
      const caller = callerOf(c);
      const { agent_id } = c.req.valid("param");
      requireScopes(caller.principal, "memory:write");
      requireAgentAccess(caller.principal, agent_id);
      const r = await write(c, caller, agent_id, c.req.valid("json"));
      return r.outcome === "duplicate" ? c.json(toWire(r), 200) : c.json(toWire(r), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: `${base}/bulk`,
      tags,
      summary: "Add up to 100 memories; per-item results (207 Multi-Status)",
      security: bearerAuth,
      request: { params: AgentParams, body: jsonBody(BulkCreateBody) },
      responses: { 207: jsonResponse(BulkResultSchema, "One result per item, in order"), ...errorResponses },
    }),
    async (c) => {
      const caller = callerOf(c);
      const { agent_id } = c.req.valid("param");
      requireScopes(caller.principal, "memory:write");
      requireAgentAccess(caller.principal, agent_id);
      const results = [];
      // Sequential: items may de-duplicate or conflict with each other, in order.
      for (const [index, item] of c.req.valid("json").items.entries()) {
        try {
          // Bulk items arrive unvalidated (one bad item must not fail the batch).
          const parsed = CreateMemoryBody.safeParse(item);
          if (!parsed.success) throw validationError(parsed.error, "json");
          const r = await write(c, caller, agent_id, parsed.data);
          results.push({ index, status: r.outcome === "duplicate" ? 200 : 201, result: toWire(r) });
        } catch (err) {
          const e = toAppError(err);
          if (e.code === "INTERNAL" || e.code === "UNAVAILABLE" || e.code === "NOT_FOUND") throw err;
          results.push({
            index,
            status: e.status,
            error: { code: e.code, detail: e.message, ...(e.fields ? { errors: e.fields } : {}) },
          });
        }
      }
      return c.json({ results }, 207);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: `${base}/{memory_id}`,
      tags,
      summary: "Edit a memory (a new content re-runs the write pipeline) and record a version",
      security: bearerAuth,
      request: { params: MemoryParams, body: jsonBody(UpdateMemoryBody) },
      responses: { 200: jsonResponse(UpdateResultSchema, "The memory after the edit"), ...errorResponses },
    }),
    async (c) => {
      const caller = callerOf(c);
      const { agent_id, memory_id } = c.req.valid("param");
      requireScopes(caller.principal, "memory:write");
      requireAgentAccess(caller.principal, agent_id);
      const s = c.var.services;
      const r = await updateMemory(
        {
          sql: s.sql,
          embedder: s.embedder,
          judge: s.judge,
          kv: s.kv,
          logger: s.logger,
          config: s.memoryConfig,
        },
        { orgId: caller.principal.orgId, agentId: agent_id, changedBy: "user", audit: auditActor(caller) },
        memory_id,
        c.req.valid("json"),
      );
      return c.json(
        {
          memory: r.memory,
          merged: r.merged,
          superseded: r.superseded,
          flagged: r.flagged,
          conflicts_with: r.conflictsWith,
        },
        200,
      );
    },
  );
}
