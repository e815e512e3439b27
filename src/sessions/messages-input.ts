import type { Message, MessageRole } from "../memory/ports.js";

/** A message as the transports receive it (snake_case REST or the RPC's fields). */
export interface MessageInput {
  role: MessageRole;
  content: string;
  created_at?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
}

/** Transport input to the ChatMemory's messages. */
export function toMessages(input: readonly MessageInput[]): Message[] {
  return input.map((m) => {
    const out: Message = { role: m.role, content: m.content };
    if (m.created_at !== undefined) out.createdAt = m.created_at;
    if (m.metadata !== undefined) out.metadata = m.metadata;
    return out;
  });
}
