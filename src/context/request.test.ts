import { describe, expect, it } from "vitest";
import { maskOf } from "../auth/permissions.js";
import type { Principal } from "../auth/principal.js";
import { AppError } from "../lib/errors.js";
import { type AssembleInput, MESSAGE_MAX_CHARS, REQUEST_MAX_CHARS, validate } from "./request.js";

const AGENT = "0198a3f2-0000-7abc-8def-000000000001";
const principal: Principal = {
  tokenId: "t",
  orgId: "o",
  kind: "service",
  permissions: maskOf(["context:assemble"]),
  agentId: null,
  userId: null,
};

const request = (query: string, recentMessages: AssembleInput["recentMessages"]): AssembleInput => ({
  agentId: AGENT,
  orgId: "",
  sessionId: "",
  query,
  model: "gpt-4o",
  directiveVersionId: "",
  availableTokens: 0,
  recentMessages,
  options: {
    skipColdMemories: false,
    skipHotMemories: false,
    weights: { recency: 0, relevance: 0, usefulness: 0, confidence: 0 },
    maxMemories: 0,
  },
});

/** The field errors `validate` throws, or [] when it passes. */
function fieldsOf(messages: { role: string; content: string }[], query = ""): unknown[] {
  try {
    validate(principal, request(query, messages));
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("INVALID_ARGUMENT");
    return (err as AppError).fields ?? [];
  }
}

const message = (content: string) => ({ role: "user", content });

describe("validate: the size of an AssembleContext request", () => {
  it("takes a message of 32,000 characters and names the first one over it", () => {
    expect(fieldsOf([message("a".repeat(MESSAGE_MAX_CHARS))])).toEqual([]);
    const over = message("a".repeat(MESSAGE_MAX_CHARS + 1));
    expect(fieldsOf([message("hi"), message("hi"), message("hi"), over, over])).toEqual([
      { path: "recent_messages.3.content", message: "at most 32,000 characters" },
    ]);
  });

  it("takes 400,000 characters of roles, contents and query in all, and not one more", () => {
    const full = message("a".repeat(MESSAGE_MAX_CHARS - 4));
    const messages = Array.from({ length: 12 }, () => full); // 12 × 32,000 with roles
    const rest = REQUEST_MAX_CHARS - 12 * MESSAGE_MAX_CHARS;
    expect(fieldsOf(messages, "q".repeat(rest))).toEqual([]);
    expect(fieldsOf(messages, "q".repeat(rest + 1))).toEqual([
      {
        path: "recent_messages",
        message: "at most 400,000 characters of messages (roles and contents) and query in all",
      },
    ]);
  });
});
