import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import type { Principal } from "../auth/principal.js";
import { requireAgentAccess, requireScopes } from "../auth/principal.js";
import { assembleContext } from "../context/assemble.js";
import {
  AssembleContextResponseSchema,
  AssemblyMetricsSchema,
  ContextAssemblyService,
  MemorySchema,
  MemoryScoreUpdateSchema,
  MemoryUsedSchema,
  RecordMemoryFeedbackResponseSchema,
  SearchMemoriesResponseSchema,
} from "../gen/ibex/context/v1/context_pb.js";
import { isUuid } from "../lib/ids.js";
import { MEMORY_CATEGORIES, type MemoryCategory } from "../memory/categories.js";
import { recordFeedbackByIds } from "../memory/manage-memories.js";
import { searchMemories } from "../memory/search/search-memories.js";
import { handle, principalOf } from "./handler.js";

function orgMatches(principal: Principal, orgId: string): void {
  if (orgId && orgId !== principal.orgId) {
    throw new ConnectError("org_id is not the token's org", Code.PermissionDenied);
  }
}

/** Registers ibex.context.v1.ContextAssemblyService on a Connect router. */
export function registerContextService(router: ConnectRouter): ConnectRouter {
  return router.service(ContextAssemblyService, {
    assembleContext: (req, ctx) =>
      handle(ctx, "AssembleContext", async () => {
        const { s, principal, requestId } = await principalOf(ctx);
        const o = req.options;
        const out = await assembleContext(s, principal, {
          agentId: req.agentId,
          orgId: req.orgId,
          sessionId: req.sessionId,
          query: req.query,
          model: req.model,
          directiveVersionId: req.directiveVersionId,
          availableTokens: req.availableTokens,
          recentMessages: req.recentMessages.map((m) => ({ role: m.role, content: m.content })),
          options: {
            skipColdMemories: o?.skipColdMemories ?? false,
            skipHotMemories: o?.skipHotMemories ?? false,
            weights: {
              recency: o?.recencyWeight ?? 0,
              relevance: o?.relevanceWeight ?? 0,
              usefulness: o?.usefulnessWeight ?? 0,
              confidence: o?.confidenceWeight ?? 0,
            },
            maxMemories: o?.maxMemories ?? 0,
          },
          deadlineMs: ctx.timeoutMs(),
        });
        return create(AssembleContextResponseSchema, {
          assembledContext: out.assembledContext,
          tokensUsed: out.tokensUsed,
          memoriesIncluded: out.memoriesIncluded,
          memoriesUsed: out.memoriesUsed.map((m) => create(MemoryUsedSchema, m)),
          directiveTokens: out.directiveTokens,
          historyTokens: out.historyTokens,
          memoryTokens: out.memoryTokens,
          metrics: create(AssemblyMetricsSchema, out.metrics),
          requestId: req.requestId || requestId,
          traceId: req.traceId,
          spanId: req.spanId,
          scoreSchema: out.scoreSchema,
          fallbackReason: out.fallbackReason,
          degradationLevel: out.degradationLevel,
        });
      }),

    searchMemories: (req, ctx) =>
      handle(ctx, "SearchMemories", async () => {
        const { s, principal } = await principalOf(ctx);
        orgMatches(principal, req.orgId);
        if (!isUuid(req.agentId)) throw new ConnectError("agent_id must be a UUID", Code.InvalidArgument);
        const categories = req.categories.filter((c): c is MemoryCategory =>
          (MEMORY_CATEGORIES as readonly string[]).includes(c),
        );
        if (categories.length !== req.categories.length) {
          throw new ConnectError(
            `categories must be among ${MEMORY_CATEGORIES.join(", ")}`,
            Code.InvalidArgument,
          );
        }
        if (!req.query.trim()) throw new ConnectError("query must not be blank", Code.InvalidArgument);
        requireScopes(principal, "memory:read");
        requireAgentAccess(principal, req.agentId);
        const started = performance.now();
        const { hits, candidates } = await searchMemories(
          s,
          { orgId: principal.orgId, agentId: req.agentId },
          {
            query: req.query.slice(0, 2000),
            limit: req.limit > 0 ? Math.min(req.limit, 100) : 10,
            ...(req.minSimilarity ? { minSimilarity: req.minSimilarity } : {}),
            ...(categories.length ? { categories } : {}),
            ...(req.tags.length ? { tags: req.tags } : {}),
          },
        );
        return create(SearchMemoriesResponseSchema, {
          memories: hits.map((h) =>
            create(MemorySchema, {
              id: h.memory.id,
              content: h.memory.content,
              category: h.memory.category,
              confidence: h.memory.confidence,
              compositeScore: h.score.composite,
              retrievalCount: h.memory.retrieval_count,
              createdAt: h.memory.created_at,
            }),
          ),
          totalCandidates: candidates,
          searchTimeMs: Math.round(performance.now() - started),
        });
      }),

    recordMemoryFeedback: (req, ctx) =>
      handle(ctx, "RecordMemoryFeedback", async () => {
        const { s, principal, requestId } = await principalOf(ctx);
        orgMatches(principal, req.orgId);
        if (!["positive", "negative", "neutral"].includes(req.feedback)) {
          throw new ConnectError("feedback must be positive, negative or neutral", Code.InvalidArgument);
        }
        if (req.memoryIds.length === 0 || req.memoryIds.length > 100 || !req.memoryIds.every(isUuid)) {
          throw new ConnectError("memory_ids must be 1–100 UUIDs", Code.InvalidArgument);
        }
        const updates = await recordFeedbackByIds(
          s,
          { principal, requestId },
          req.memoryIds,
          req.feedback as "positive" | "negative" | "neutral",
        );
        return create(RecordMemoryFeedbackResponseSchema, {
          success: true,
          updates: updates.map((u) =>
            create(MemoryScoreUpdateSchema, {
              memoryId: u.memory_id,
              previousScore: u.previous_score,
              newScore: u.new_score,
            }),
          ),
        });
      }),
  });
}
