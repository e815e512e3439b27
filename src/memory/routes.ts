import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { requireAgentAccess, requireScopes } from "../auth/principal.js";
import { callerOf } from "../http/caller.js";
import { bearerAuth, errorResponses, jsonBody, jsonResponse } from "../http/openapi.js";
import { validationHook } from "../http/validation.js";
import type { AppEnv } from "../services.js";
import { registerExportRoutes } from "./export/export-routes.js";
import {
  bulkDeleteMemories,
  deleteMemory,
  getMemory,
  listMemories,
  recordFeedback,
} from "./manage-memories.js";
import { registerReviewRoutes } from "./review/review-routes.js";
import {
  AgentParams,
  BulkDeleteQuery,
  BulkDeleteResultSchema,
  FeedbackBody,
  FeedbackResultSchema,
  ListMemoriesQuery,
  MemoryDetailSchema,
  MemoryPageSchema,
  MemoryParams,
  SearchBody,
  SearchResultSchema,
} from "./schemas.js";
import { searchMemories } from "./search/search-memories.js";
import { registerWriteRoutes } from "./write/write-routes.js";

const tags = ["Memories"];
const base = "/v1/agents/{agent_id}/memories";

/** REST routes for an agent's memories (memory-engine.md §5). */
export function memoryRoutes(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  registerWriteRoutes(app);

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

  registerExportRoutes(app);
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
