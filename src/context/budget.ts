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
  exactChars: number = EXACT_HISTORY_CHARS,
): number {
  if (messages.length === 0) return 0;
  let n = 3;
  let counted = 0;
  for (const m of messages) {
    counted += m.content.length;
    // Past `exactChars` a message costs its UTF-8 length: every token covers at least
    // one byte, so this never under-counts, and it costs no encoder time.
    const content = counted <= exactChars ? count(m.content) : utf8.encode(m.content).length;
    n += 4 + count(m.role) + content;
  }
  return n;
}

/**
 * Characters of history counted exactly per call. Exact counting costs the HTTP
 * thread 1–4 µs a character on text the encoder has not seen (ADR-0039): 64k
 * characters keep a request within ~0.25 s however it is built, and are more than a
 * gateway's recent messages hold in practice. Past it the count is an upper bound,
 * which only ever leaves less room for memories.
 */
export const EXACT_HISTORY_CHARS = 64_000;
const utf8 = new TextEncoder();

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
