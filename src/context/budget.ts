import { countTokens, type Encoding } from "./tokenizer.js";

export interface ChatMessage {
  role: string;
  content: string;
}

/**
 * Tokens of a chat: 3 priming tokens, then per message 4 + role + content. `count`
 * counts one text (the assembler passes one that remembers: a conversation's history
 * comes back on every call).
 */
export function messagesTokens(
  messages: readonly ChatMessage[],
  encoding: Encoding,
  count: (text: string) => number = (text) => countTokens(text, encoding),
): number {
  if (messages.length === 0) return 0;
  let n = 3;
  for (const m of messages) n += 4 + count(m.role) + count(m.content);
  return n;
}

export interface Budget {
  window: number;
  reserve: number;
  safety: number;
  messageTokens: number;
  directiveTokens: number;
  /** What memories may use. */
  memoryTokens: number;
  /** Under 1,000 tokens for memories: cold search is skipped. */
  constrained: boolean;
}

/**
 * The memory budget (context-assembly.md, ADR-0039):
 * reserve = clamp(0.15·window, 500, 4096), safety = 0.05·window,
 * memory = max(0, window − messages − directive − reserve − safety), capped by
 * `availableTokens` when the caller sets it. The directive is reserved in full.
 */
export function computeBudget(input: {
  window: number;
  messageTokens: number;
  directiveTokens: number;
  availableTokens?: number;
}): Budget {
  const reserve = Math.min(4096, Math.max(500, Math.floor(0.15 * input.window)));
  const safety = Math.floor(0.05 * input.window);
  let memoryTokens = Math.max(
    0,
    input.window - input.messageTokens - input.directiveTokens - reserve - safety,
  );
  if (input.availableTokens && input.availableTokens > 0) {
    memoryTokens = Math.min(memoryTokens, input.availableTokens);
  }
  return {
    window: input.window,
    reserve,
    safety,
    messageTokens: input.messageTokens,
    directiveTokens: input.directiveTokens,
    memoryTokens,
    constrained: memoryTokens < 1000,
  };
}
