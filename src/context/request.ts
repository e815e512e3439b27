import { type Principal, requireAgentAccess, requireScopes } from "../auth/principal.js";
import { hmacSha256Hex, randomBytes } from "../lib/crypto.js";
import { toHex } from "../lib/encoding.js";
import { AppError } from "../lib/errors.js";
import { isUuid } from "../lib/ids.js";
import { DEFAULT_WEIGHTS, type ScoreWeights } from "../memory/search/scoring.js";
import type { ChatMessage } from "./budget.js";

/** One AssembleContext request, transport-neutral. */
export interface AssembleInput {
  agentId: string;
  orgId: string;
  sessionId: string;
  query: string;
  model: string;
  directiveVersionId: string;
  availableTokens: number;
  recentMessages: ChatMessage[];
  options: {
    skipColdMemories: boolean;
    skipHotMemories: boolean;
    /** The request's weights: used only when the four sum to 1. */
    weights: { recency: number; relevance: number; usefulness: number; confidence: number };
    maxMemories: number;
  };
  /**
   * What is left of the caller's own deadline when the call starts (Connect's
   * `connect-timeout-ms`, gRPC's `grpc-timeout`), if it sent one: the call's deadline
   * is the smaller of 90 % of it (the rest is the answer's way back) and
   * CONTEXT_DEADLINE_MS, so a caller in a hurry gets a degraded answer in time rather
   * than a late one it has stopped waiting for.
   */
  deadlineMs?: number;
}

const QUERY_MAX_CHARS = 2000;

/** A message's content: as long as a message session ingestion accepts (MAX_MESSAGE_CHARS). */
export const MESSAGE_MAX_CHARS = 32_000;
/**
 * The query and every message's role and content together (ADR-0039, "Long runs"):
 * about 100k tokens of English, near all the history a 128k window holds with room
 * for memories, and a bound on what one call can make the tokenizer do.
 */
export const REQUEST_MAX_CHARS = 400_000;

/** Rejects malformed requests (the only failures besides auth that become RPC errors). */
export function validate(principal: Principal, input: AssembleInput): void {
  const fields: { path: string; message: string }[] = [];
  if (!isUuid(input.agentId)) fields.push({ path: "agent_id", message: "must be a UUID" });
  if (input.directiveVersionId && !isUuid(input.directiveVersionId)) {
    fields.push({ path: "directive_version_id", message: "must be a UUID" });
  }
  if (input.availableTokens < 0) fields.push({ path: "available_tokens", message: "must not be negative" });
  if (input.options.maxMemories < 0)
    fields.push({ path: "options.max_memories", message: "must not be negative" });
  if (input.query.length > 100_000) fields.push({ path: "query", message: "at most 100,000 characters" });
  if (input.recentMessages.length > 1000) fields.push({ path: "recent_messages", message: "at most 1,000" });
  // Checked before anything is counted: counting is the costly part (tokenizer.ts).
  let chars = input.query.length;
  let long = -1;
  input.recentMessages.forEach((m, i) => {
    chars += m.role.length + m.content.length;
    if (long < 0 && m.content.length > MESSAGE_MAX_CHARS) long = i;
  });
  if (long >= 0)
    fields.push({ path: `recent_messages.${long}.content`, message: "at most 32,000 characters" });
  if (chars > REQUEST_MAX_CHARS) {
    fields.push({
      path: "recent_messages",
      message: "at most 400,000 characters of messages (roles and contents) and query in all",
    });
  }
  if (fields.length > 0)
    throw new AppError("INVALID_ARGUMENT", "invalid AssembleContext request", { fields });
  if (input.orgId && input.orgId !== principal.orgId) {
    throw new AppError("PERMISSION_DENIED", "org_id is not the token's org");
  }
  requireScopes(principal, "context:assemble");
  requireAgentAccess(principal, input.agentId);
}

/** Request weights when the four given sum to 1 (frequency then gets 0), else the defaults. */
export function effectiveWeights(w: AssembleInput["options"]["weights"]): ScoreWeights {
  const values = [w.relevance, w.recency, w.usefulness, w.confidence];
  const sum = values.reduce((a, b) => a + b, 0);
  if (values.every((x) => Number.isFinite(x) && x >= 0) && Math.abs(sum - 1) < 1e-3) {
    return { ...w, frequency: 0 };
  }
  return DEFAULT_WEIGHTS;
}

/** The per-session nonce: unguessable without the server secret, stable within a session. */
export async function sessionNonce(
  pepper: string,
  orgId: string,
  agentId: string,
  sessionId: string,
): Promise<string> {
  if (!sessionId) return toHex(randomBytes(16));
  return (await hmacSha256Hex(pepper, `context-nonce:v1:${orgId}:${agentId}:${sessionId}`)).slice(0, 32);
}

/** The text cold search embeds: the query, else the last user message; at most 2,000 chars. */
export function searchText(input: AssembleInput): string {
  const lastUser = [...input.recentMessages].reverse().find((m) => m.role === "user");
  return (input.query.trim() || lastUser?.content.trim() || "").slice(0, QUERY_MAX_CHARS);
}
