import { AppError } from "../lib/errors.js";
import type { Message, MessageRole } from "./ports.js";

const ROLES = new Set<MessageRole>(["system", "user", "assistant", "tool"]);

/**
 * Validates and copies messages before anything is written, so a bad element fails
 * the whole save/append with nothing stored, and later caller mutation cannot reach
 * the stored history.
 * @throws INVALID_ARGUMENT naming the first bad element.
 */
export function checkedMessages(messages: readonly Message[]): Message[] {
  if (!Array.isArray(messages)) throw new AppError("INVALID_ARGUMENT", "messages must be an array");
  return messages.map((m, i) => {
    const role = m?.role;
    const content = m?.content;
    if (!ROLES.has(role) || typeof content !== "string") {
      throw new AppError("INVALID_ARGUMENT", `message ${i} is not {role, content}`, {
        fields: [{ path: `messages.${i}`, message: "needs a known role and string content" }],
      });
    }
    // Postgres text cannot hold NUL; refusing it everywhere keeps backends interchangeable.
    if (content.includes("\u0000")) {
      throw new AppError("INVALID_ARGUMENT", `message ${i} contains a NUL character`, {
        fields: [{ path: `messages.${i}.content`, message: "NUL characters are not allowed" }],
      });
    }
    const out: Message = { role, content };
    if (m.createdAt !== undefined) out.createdAt = checkedTime(m.createdAt, i);
    if (m.metadata !== undefined) out.metadata = checkedMetadata(m.metadata, i);
    return out;
  });
}

function checkedTime(value: unknown, i: number): string {
  const ms = typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new AppError("INVALID_ARGUMENT", `message ${i} has an invalid time`, {
      fields: [{ path: `messages.${i}.created_at`, message: "must be an ISO 8601 date-time" }],
    });
  }
  return new Date(ms).toISOString();
}

function checkedMetadata(value: unknown, i: number): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AppError("INVALID_ARGUMENT", `message ${i} metadata is not an object`, {
      fields: [{ path: `messages.${i}.metadata`, message: "must be a JSON object" }],
    });
  }
  const text = JSON.stringify(value);
  // Postgres jsonb cannot hold NUL either (see the content check above).
  if (text.includes("\\u0000")) {
    throw new AppError("INVALID_ARGUMENT", `message ${i} metadata contains a NUL character`, {
      fields: [{ path: `messages.${i}.metadata`, message: "NUL characters are not allowed" }],
    });
  }
  return JSON.parse(text) as Record<string, unknown>;
}

/** Serialised form for list-based stores. */
export function encodeMessage(m: Message): string {
  if (m.createdAt === undefined && m.metadata === undefined) return JSON.stringify([m.role, m.content]);
  return JSON.stringify([m.role, m.content, m.createdAt ?? null, m.metadata ?? null]);
}

/** Inverse of encodeMessage. */
export function decodeMessage(raw: string): Message {
  const [role, content, createdAt, metadata] = JSON.parse(raw) as [
    MessageRole,
    string,
    string | null | undefined,
    Record<string, unknown> | null | undefined,
  ];
  const m: Message = { role, content };
  if (createdAt != null) m.createdAt = createdAt;
  if (metadata != null) m.metadata = metadata;
  return m;
}
