import { create } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  createContextKey,
  type HandlerContext,
} from "@connectrpc/connect";
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
import { authenticateBearer } from "../http/auth.js";
import { requestIdFrom } from "../http/request-id.js";
import { ERROR_TABLE, isAppError } from "../lib/errors.js";
import { isUuid } from "../lib/ids.js";
import { MEMORY_CATEGORIES, type MemoryCategory } from "../memory/categories.js";
import { recordFeedbackByIds } from "../memory/manage-memories.js";
import { searchMemories } from "../memory/search/search-memories.js";
import type { Services } from "../services.js";

/** The request's services, passed by the transport as a context value (no module-level clients). */
export const servicesKey = createContextKey<Services | null>(null, { description: "engram services" });

const CONNECT_CODES: Record<string, Code> = {
  invalid_argument: Code.InvalidArgument,
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  internal: Code.Internal,
};

/** An error as a Connect error: AppErrors keep their code and message; anything else is internal. */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  if (isAppError(err)) {
    const detail = err.fields?.length
      ? `${err.message}: ${err.fields.map((f) => `${f.path} ${f.message}`).join("; ")}`
      : err.message;
    return new ConnectError(detail, CONNECT_CODES[ERROR_TABLE[err.code].connect] ?? Code.Internal);
  }
  return new ConnectError("internal error", Code.Internal);
}

function servicesOf(ctx: HandlerContext): Services {
  const s = ctx.values.get(servicesKey);
  if (!s) throw new ConnectError("service not configured", Code.Unavailable);
  return s;
}

/** Who made the call, for its log line: filled in as the handler learns it. */
interface CallLog {
  request_id?: string;
  org_id?: string;
  token_id?: string;
}
const callLogKey = createContextKey<CallLog | null>(null, { description: "the call's log fields" });

async function principalOf(
  ctx: HandlerContext,
): Promise<{ s: Services; principal: Principal; requestId: string }> {
  const s = servicesOf(ctx);
  const log = ctx.values.get(callLogKey);
  // Echoed on the response, errors included, as the REST routes do.
  const requestId = requestIdFrom(ctx.requestHeader.get("x-request-id"));
  ctx.responseHeader.set("x-request-id", requestId);
  if (log) log.request_id = requestId;
  const principal = await authenticateBearer(s, ctx.requestHeader.get("authorization") ?? "");
  if (log) {
    log.org_id = principal.orgId;
    log.token_id = principal.tokenId;
  }
  return { s, principal, requestId };
}

/**
 * Runs a handler and logs its outcome — method, code, duration, request, org and token
 * ids (never the request's content); errors leave as Connect errors.
 */
async function handle<T>(ctx: HandlerContext, name: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const s = ctx.values.get(servicesKey);
  const log: CallLog = {};
  ctx.values.set(callLogKey, log);
  try {
    const out = await run();
    s?.logger.info("rpc", { method: name, code: "ok", ms: Math.round(performance.now() - started), ...log });
    return out;
  } catch (err) {
    const ce = toConnectError(err);
    if (ce.code === Code.Internal) {
      s?.logger.error("rpc failed", {
        method: name,
        error: err instanceof Error ? err.name : "unknown",
        ...log,
      });
    } else {
      s?.logger.info("rpc", {
        method: name,
        code: Code[ce.code],
        ms: Math.round(performance.now() - started),
        ...log,
      });
    }
    throw ce;
  }
}

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
