import type { KeyValue } from "../kv/ports.js";
import { AppError } from "../lib/errors.js";
import { checkedMessages, decodeMessage, encodeMessage } from "./messages.js";
import type { AppendableChatMemory } from "./ports.js";

/**
 * ChatMemory over the key-value port (Redis over TCP, Upstash, in-memory): one list
 * per conversation. save() is one MULTI (CM4); append() is one Lua script (A1, A2).
 * `key` should carry the org prefix (`{org_id}:chat:{session_id}`).
 */
export function createKvChatMemory(kv: KeyValue, key: string): AppendableChatMemory {
  return {
    async load() {
      return (await kv.listAll(key)).map(decodeMessage);
    },
    async save(messages) {
      await kv.listReplace(key, checkedMessages(messages).map(encodeMessage));
    },
    async clear() {
      await kv.del([key]);
    },
    async append(messages, options = {}) {
      const encoded = checkedMessages(messages).map(encodeMessage);
      const length = await kv.listAppend(key, encoded, options.expectedLength);
      if (length === null) throw new AppError("CONFLICT", "history length changed since it was read");
      return length;
    },
  };
}
