import { z } from "zod";
import { AppError } from "../lib/errors.js";
import { type JsonEndpoint, postJson } from "../lib/post-json.js";
import { MEMORY_CATEGORIES } from "../memory/categories.js";
import {
  EXTRACTION_SCHEMA,
  EXTRACTION_SYSTEM_PROMPT,
  MAX_CONTENT_CHARS,
  MAX_FACTS_PER_TURN,
  MIN_CONTENT_CHARS,
  transcriptMessage,
  turnChars,
} from "./llm-prompt.js";
import type { ExtractedFact, ExtractionResult, Extractor, Turn } from "./ports.js";
import { costUsd } from "./pricing.js";

export interface LlmExtractorOptions extends Omit<JsonEndpoint, "label"> {
  model: string;
  /** Per call; 30 s by default. */
  timeoutMs?: number;
  /** Output tokens per call; 500 by default (sessions-jobs-archives.md). */
  maxTokens?: number;
  /** Transcript characters per call (turns as JSON); a longer transcript takes several calls. */
  maxCharsPerCall?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_TOKENS = 500;
const DEFAULT_MAX_CHARS_PER_CALL = 24_000;
const TEMPERATURE = 0.1;

const Fact = z.object({
  content: z.string().trim().min(MIN_CONTENT_CHARS).max(MAX_CONTENT_CHARS),
  category: z.enum(MEMORY_CATEGORIES),
  confidence: z.number().min(0).max(1),
  turn: z.number().int(),
});
const Output = z.object({ memories: z.array(Fact) });

interface ChatCompletion {
  choices?: { message?: { content?: unknown }; finish_reason?: unknown }[];
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
}

const malformed = () =>
  new AppError("UNAVAILABLE", "extractor returned malformed output", { retryable: true });

const tokens = (n: unknown): number => (typeof n === "number" && Number.isFinite(n) && n > 0 ? n : 0);

/** Consecutive turns in groups of at most `maxChars` (a longer single turn goes alone). */
function batches(turns: readonly Turn[], maxChars: number): Turn[][] {
  const out: Turn[][] = [];
  let current: Turn[] = [];
  let chars = 2;
  for (const t of turns) {
    const size = turnChars(t);
    if (current.length > 0 && chars + size > maxChars) {
      out.push(current);
      current = [];
      chars = 2;
    }
    current.push(t);
    chars += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * An Extractor (`name` "llm") over any OpenAI-compatible chat-completions API
 * (ADR-0036). It POSTs `/chat/completions` with the model, temperature 0.1,
 * `max_tokens` 500 and a strict JSON-schema response format
 * (`{memories: [{content, category, confidence, turn}]}`); the system prompt carries
 * the instructions and the user message is the turns as JSON data `[{seq, role, content}]`.
 *
 * - **Batching.** Consecutive turns share a call up to `maxCharsPerCall` (24,000
 *   characters of JSON); a longer transcript takes several calls, made one after the
 *   other, and the facts are returned in turn order (the model's order within a turn).
 *   A call cut off by the output cap (`finish_reason: "length"`) on more than one turn
 *   is made again as two halves, so a turn-rich batch is not a failure that every retry
 *   would repeat; a single turn cut off is malformed output.
 * - **Validation** (zod): content trimmed and 5–1,000 characters, a known category,
 *   confidence in [0, 1], and a `turn` that is the `seq` of a turn sent in that call
 *   (X2). Any invalid item, or content that is not JSON of that shape, makes the whole
 *   answer malformed: a retryable UNAVAILABLE (X3), so the job retries and ends in the
 *   dead letters; nothing is half-returned. The one exception is the per-turn cap: facts
 *   beyond the 10th for one turn are dropped, keeping the first 10 in the model's order
 *   (deterministic, and a retry would likely repeat an over-long list).
 * - **Usage.** Prompt and completion tokens are summed over every call (cut-off calls
 *   included) and priced from `pricing.ts` when the model is known.
 * - Errors never carry the transcript or the model's output. Transport failures,
 *   timeouts (30 s per call), 429 and 5xx are retryable (`postJson`); other 4xx are not.
 */
export function createLlmExtractor(o: LlmExtractorOptions): Extractor {
  const endpoint: JsonEndpoint = {
    baseUrl: o.baseUrl,
    timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    label: "extractor",
    ...(o.apiKey ? { apiKey: o.apiKey } : {}),
    ...(o.fetch ? { fetch: o.fetch } : {}),
  };
  const maxTokens = o.maxTokens ?? DEFAULT_MAX_TOKENS;
  const maxChars = o.maxCharsPerCall ?? DEFAULT_MAX_CHARS_PER_CALL;

  async function call(batch: readonly Turn[], usage: { prompt: number; completion: number }) {
    const body = (await postJson(endpoint, "/chat/completions", {
      model: o.model,
      temperature: TEMPERATURE,
      max_tokens: maxTokens,
      response_format: {
        type: "json_schema",
        json_schema: { name: "memories", strict: true, schema: EXTRACTION_SCHEMA },
      },
      messages: [
        { role: "system", content: EXTRACTION_SYSTEM_PROMPT },
        { role: "user", content: transcriptMessage(batch) },
      ],
    })) as ChatCompletion | null;
    usage.prompt += tokens(body?.usage?.prompt_tokens);
    usage.completion += tokens(body?.usage?.completion_tokens);
    const choice = body?.choices?.[0];
    return { content: choice?.message?.content, cutOff: choice?.finish_reason === "length" };
  }

  async function extractBatch(
    batch: readonly Turn[],
    usage: { prompt: number; completion: number },
  ): Promise<ExtractedFact[]> {
    const { content, cutOff } = await call(batch, usage);
    if (cutOff && batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      const first = await extractBatch(batch.slice(0, half), usage);
      return [...first, ...(await extractBatch(batch.slice(half), usage))];
    }
    let parsed: unknown;
    try {
      parsed = typeof content === "string" ? JSON.parse(content) : null;
    } catch {
      throw malformed();
    }
    const out = Output.safeParse(parsed);
    if (!out.success) throw malformed();
    const seqs = new Set(batch.map((t) => t.seq));
    const perTurn = new Map<number, number>();
    const facts: ExtractedFact[] = [];
    for (const f of out.data.memories) {
      if (!seqs.has(f.turn)) throw malformed();
      const n = (perTurn.get(f.turn) ?? 0) + 1;
      perTurn.set(f.turn, n);
      if (n <= MAX_FACTS_PER_TURN) facts.push(f);
    }
    return facts;
  }

  return {
    name: "llm",
    async extract(turns): Promise<ExtractionResult> {
      if (turns.length === 0) return { facts: [] };
      const ordered = [...turns].sort((a, b) => a.seq - b.seq);
      const usage = { prompt: 0, completion: 0 };
      const facts: ExtractedFact[] = [];
      for (const batch of batches(ordered, maxChars)) facts.push(...(await extractBatch(batch, usage)));
      // Stable: turn order, the model's order within a turn.
      facts.sort((a, b) => a.turn - b.turn);
      const cost = costUsd(o.model, usage.prompt, usage.completion);
      return {
        facts,
        usage: {
          model: o.model,
          promptTokens: usage.prompt,
          completionTokens: usage.completion,
          ...(cost !== undefined ? { costUsd: cost } : {}),
        },
      };
    },
  };
}
