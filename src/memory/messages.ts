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
    return { role, content };
  });
}

/** Serialised form for list-based stores. */
export function encodeMessage(m: Message): string {
  return JSON.stringify([m.role, m.content]);
}

/** Inverse of encodeMessage. */
export function decodeMessage(raw: string): Message {
  const [role, content] = JSON.parse(raw) as [MessageRole, string];
  return { role, content };
}
