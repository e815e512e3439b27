import { createKvChatMemory } from "../../memory/kv-chat-memory.js";
import type { AppendableChatMemory } from "../../memory/ports.js";
import { createMemoryKeyValue } from "./key-value.js";

const shared = createMemoryKeyValue();

/**
 * In-process ChatMemory: the key-value implementation over the in-memory store.
 * Histories live as long as the process.
 */
export function createMemoryChatMemory(key: string, store = shared): AppendableChatMemory {
  return createKvChatMemory(store, key);
}
