import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { callerOf } from "../../http/caller.js";
import { bearerAuth, errorResponses, jsonResponse, PageQuery } from "../../http/openapi.js";
import type { AppEnv } from "../../services.js";
import { AgentParams, MemoryPageSchema, MemoryParams, MemorySchema } from "../schemas.js";
import { approveMemory, listReviewQueue, rejectMemory } from "./review-memories.js";

const tags = ["Memories"];
const base = "/v1/agents/{agent_id}/memories";

/**
 * The review queue routes. Registered before `/{memory_id}` so `/review` is not read
 * as a memory id.
 */
export function registerReviewRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    createRoute({
      method: "get",
      path: `${base}/review`,
      tags,
      summary: "The review queue: pending_review and quarantined memories",
      security: bearerAuth,
      request: { params: AgentParams, query: PageQuery },
      responses: {
        200: jsonResponse(MemoryPageSchema, "A page of memories awaiting review"),
        ...errorResponses,
      },
    }),
    async (c) =>
      c.json(
        await listReviewQueue(
          c.var.services,
          callerOf(c),
          c.req.valid("param").agent_id,
          c.req.valid("query"),
        ),
        200,
      ),
  );

  for (const action of ["approve", "reject"] as const) {
    app.openapi(
      createRoute({
        method: "post",
        path: `${base}/{memory_id}/${action}`,
        tags,
        summary:
          action === "approve"
            ? "Approve a memory under review (it becomes active and supersedes what it contradicted)"
            : "Reject a memory under review (it is archived)",
        security: bearerAuth,
        request: { params: MemoryParams },
        responses: { 200: jsonResponse(MemorySchema, "The memory after the decision"), ...errorResponses },
      }),
      async (c) => {
        const { agent_id, memory_id } = c.req.valid("param");
        const verb = action === "approve" ? approveMemory : rejectMemory;
        return c.json(await verb(c.var.services, callerOf(c), agent_id, memory_id), 200);
      },
    );
  }
}
