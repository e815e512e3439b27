import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { recordAudit } from "../audit/record-audit.js";
import { auditActor, type Caller, requireAgentAccess, requireScopes } from "../auth/principal.js";
import { withOrg } from "../db/tenant.js";
import { callerOf } from "../http/caller.js";
import { bearerAuth, errorResponses, jsonBody, jsonResponse } from "../http/openapi.js";
import { toAppError } from "../http/problem.js";
import { validationError, validationHook } from "../http/validation.js";
import type { AppEnv } from "../services.js";
import { type AddMemoryResult, addMemory } from "./add-memory.js";
import {
  bulkDeleteMemories,
  deleteMemory,
  getMemory,
  listMemories,
  recordFeedback,
  requireAgent,
} from "./manage-memories.js";
import { registerReviewRoutes } from "./review-routes.js";
import {
  AgentParams,
  BulkCreateBody,
  BulkDeleteQuery,
  BulkDeleteResultSchema,
  BulkResultSchema,
  CreateMemoryBody,
  FeedbackBody,
  FeedbackResultSchema,
  ListMemoriesQuery,
  MemoryDetailSchema,
  MemoryPageSchema,
  MemoryParams,
  SearchBody,
  SearchResultSchema,
  UpdateMemoryBody,
  UpdateResultSchema,
  WriteResultSchema,
} from "./schemas.js";
import { searchMemories } from "./search-memories.js";
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

/** Validates one item, runs it through the pipeline and audits it; the caller checked scopes. */
async function write(c: Context<AppEnv>, caller: Caller, agentId: string, body: unknown) {
  const s = c.var.services;
  const parsed = CreateMemoryBody.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error, "json");
  const b = parsed.data;
  const result = await addMemory(
    { sql: s.sql, embedder: s.embedder, judge: s.judge, kv: s.kv, logger: s.logger, config: s.memoryConfig },
    { orgId: caller.principal.orgId, agentId, changedBy: "user" },
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
  if (result.outcome !== "duplicate") {
    await withOrg(s.sql, caller.principal.orgId, (tx) =>
      recordAudit(tx, caller.principal.orgId, auditActor(caller), "memory.create", result.memory.id, {
        agent_id: agentId,
        outcome: result.outcome,
      }),
    );
  }
  return result;
}

/** REST routes for an agent's memories (memory-engine.md §5). */
export function memoryRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

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
          const r = await write(c, caller, agent_id, item);
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
      method: "get",
      path: base,
      tags,
      summary: "List memories (newest first) with filters",
      security: bearerAuth,
      request: { params: AgentParams, query: ListMemoriesQuery },
      responses: { 200: jsonResponse(MemoryPageSchema, "A page of memories"), ...errorResponses },
    }),
    async (c) =>
      c.json(
        await listMemories(c.var.services, callerOf(c), c.req.valid("param").agent_id, c.req.valid("query")),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: base,
      tags,
      summary: "Delete every memory matching the filters (requires confirm=true)",
      security: bearerAuth,
      request: { params: AgentParams, query: BulkDeleteQuery },
      responses: { 200: jsonResponse(BulkDeleteResultSchema, "How many were deleted"), ...errorResponses },
    }),
    async (c) => {
      const { confirm: _confirm, ...filter } = c.req.valid("query");
      return c.json(
        await bulkDeleteMemories(c.var.services, callerOf(c), c.req.valid("param").agent_id, filter),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: `${base}/search`,
      tags,
      summary: "Semantic + full-text search, ranked by the composite score",
      security: bearerAuth,
      request: { params: AgentParams, body: jsonBody(SearchBody) },
      responses: { 200: jsonResponse(SearchResultSchema, "Ranked memories"), ...errorResponses },
    }),
    async (c) => {
      const caller = callerOf(c);
      const { agent_id } = c.req.valid("param");
      requireScopes(caller.principal, "memory:read");
      requireAgentAccess(caller.principal, agent_id);
      const b = c.req.valid("json");
      const s = c.var.services;
      await withOrg(s.sql, caller.principal.orgId, (tx) =>
        requireAgent(tx, caller.principal.orgId, agent_id),
      );
      const { hits, candidates } = await searchMemories(
        s,
        { orgId: caller.principal.orgId, agentId: agent_id },
        {
          query: b.query,
          ...(b.limit ? { limit: b.limit } : {}),
          ...(b.min_similarity !== undefined ? { minSimilarity: b.min_similarity } : {}),
          ...(b.min_confidence !== undefined ? { minConfidence: b.min_confidence } : {}),
          ...(b.categories ? { categories: b.categories } : {}),
          ...(b.tags ? { tags: b.tags } : {}),
        },
      );
      return c.json({ items: hits.map((h) => ({ memory: h.memory, score: h.score })), candidates }, 200);
    },
  );

  registerReviewRoutes(app);

  app.openapi(
    createRoute({
      method: "get",
      path: `${base}/{memory_id}`,
      tags,
      summary: "A memory with its versions and relationships",
      security: bearerAuth,
      request: { params: MemoryParams },
      responses: { 200: jsonResponse(MemoryDetailSchema, "The memory"), ...errorResponses },
    }),
    async (c) => {
      const { agent_id, memory_id } = c.req.valid("param");
      return c.json(await getMemory(c.var.services, callerOf(c), agent_id, memory_id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: `${base}/{memory_id}/history`,
      tags,
      summary: "The memory's version history",
      security: bearerAuth,
      request: { params: MemoryParams },
      responses: {
        200: jsonResponse(MemoryDetailSchema.pick({ id: true, versions: true }), "Versions, oldest first"),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { agent_id, memory_id } = c.req.valid("param");
      const m = await getMemory(c.var.services, callerOf(c), agent_id, memory_id);
      return c.json({ id: m.id, versions: m.versions }, 200);
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
        { orgId: caller.principal.orgId, agentId: agent_id, changedBy: "user" },
        memory_id,
        c.req.valid("json"),
      );
      await withOrg(s.sql, caller.principal.orgId, (tx) =>
        recordAudit(tx, caller.principal.orgId, auditActor(caller), "memory.update", memory_id, {
          fields: Object.keys(c.req.valid("json")),
        }),
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

  app.openapi(
    createRoute({
      method: "delete",
      path: `${base}/{memory_id}`,
      tags,
      summary: "Delete a memory (soft; leaves the hot set at once)",
      security: bearerAuth,
      request: { params: MemoryParams },
      responses: { 204: { description: "Deleted" }, ...errorResponses },
    }),
    async (c) => {
      const { agent_id, memory_id } = c.req.valid("param");
      await deleteMemory(c.var.services, callerOf(c), agent_id, memory_id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: `${base}/{memory_id}/feedback`,
      tags,
      summary: "Record whether a memory was useful",
      security: bearerAuth,
      request: { params: MemoryParams, body: jsonBody(FeedbackBody) },
      responses: {
        200: jsonResponse(FeedbackResultSchema, "Usefulness before and after"),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { agent_id, memory_id } = c.req.valid("param");
      return c.json(
        await recordFeedback(c.var.services, callerOf(c), agent_id, memory_id, c.req.valid("json").feedback),
        200,
      );
    },
  );
  return app;
}
