import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { checkEmbedText, checkEmbedTexts } from "../embedding/local-embedder.js";
import type { Embedder } from "../embedding/ports.js";
import { problemOf, toAppError } from "../http/problem.js";
import { AppError } from "../lib/errors.js";
import { uuidv7 } from "../lib/ids.js";
import type { Logger } from "../lib/logger.js";

export const MAX_BATCH_ITEMS = 512;

export interface EmbedderAppOptions {
  embedder: Embedder;
  /** Resolves vectors for texts (the micro-batcher in front of `embedder`). */
  submit(texts: string[]): Promise<number[][]>;
  logger: Logger;
  timeoutMs: number;
  /** True once warm-up returned a vector of the expected dimension. */
  isReady(): boolean;
}

const EmbedBody = z.strictObject({ text: z.string() });
const BatchBody = z.strictObject({ texts: z.array(z.string()).min(1) });
const OpenAiBody = z.object({
  input: z.union([z.string(), z.array(z.string()).min(1)]),
  model: z.string().optional(),
  encoding_format: z.enum(["float"]).optional(),
  user: z.string().optional(),
});

async function parse<T extends z.ZodType>(req: Request, schema: T): Promise<z.infer<T>> {
  let raw: unknown;
  try {
    raw = await req.json();
  } catch {
    throw new AppError("INVALID_ARGUMENT", "body must be JSON");
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    throw new AppError("INVALID_ARGUMENT", "invalid body", {
      fields: r.error.issues.map((i) => ({ path: i.path.join(".") || "body", message: i.message })),
    });
  }
  return r.data;
}

/**
 * The embedding service (ADR-0033): `/v1/embed`, `/v1/embed/batch` (1–512 texts;
 * more is 422), the OpenAI-compatible `/v1/embeddings`, `/health` and `/ready`.
 * Errors are problem+json; text is never logged.
 */
export function createEmbedderApp(o: EmbedderAppOptions): Hono {
  const app = new Hono();
  const vectors = async (texts: string[]) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new AppError("UNAVAILABLE", "embedding timed out", { retryable: true })),
        o.timeoutMs,
      );
    });
    try {
      return await Promise.race([o.submit(texts), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  const checkBatch = (texts: string[]) => {
    if (texts.length > MAX_BATCH_ITEMS) {
      throw new AppError("INVALID_ARGUMENT", `at most ${MAX_BATCH_ITEMS} texts per batch`, {
        status: 422,
        fields: [{ path: "texts", message: `${texts.length} items; at most ${MAX_BATCH_ITEMS}` }],
      });
    }
    checkEmbedTexts(texts);
  };

  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    o.logger.info("request", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
    });
  });
  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: 8 * 1024 * 1024,
      onError: () => {
        throw new AppError("RESOURCE_EXHAUSTED", "body too large", { status: 413 });
      },
    }),
  );

  app.get("/health", (c) => c.json({ status: "ok" }));
  app.get("/ready", (c) =>
    o.isReady()
      ? c.json({ status: "ready", model: o.embedder.model, dim: o.embedder.dimension })
      : c.json({ status: "warming_up" }, 503),
  );

  app.post("/v1/embed", async (c) => {
    const { text } = await parse(c.req.raw, EmbedBody);
    checkEmbedText(text);
    const [embedding] = await vectors([text]);
    return c.json({ embedding, dim: o.embedder.dimension, model: o.embedder.model });
  });

  app.post("/v1/embed/batch", async (c) => {
    const { texts } = await parse(c.req.raw, BatchBody);
    checkBatch(texts);
    const embeddings = await vectors(texts);
    return c.json({ embeddings, count: embeddings.length, model: o.embedder.model });
  });

  app.post("/v1/embeddings", async (c) => {
    const body = await parse(c.req.raw, OpenAiBody);
    const texts = typeof body.input === "string" ? [body.input] : body.input;
    checkBatch(texts);
    const embeddings = await vectors(texts);
    // Token counts are approximated by whitespace words; no tokenizer is loaded here.
    const tokens = texts.reduce((n, t) => n + t.split(/\s+/).filter(Boolean).length, 0);
    return c.json({
      object: "list",
      data: embeddings.map((embedding, index) => ({ object: "embedding", index, embedding })),
      model: o.embedder.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  });

  app.notFound((c) => {
    const { body, headers } = problemOf(new AppError("NOT_FOUND", "no such route"), uuidv7(), "/errors");
    return c.body(JSON.stringify(body), 404, headers);
  });
  app.onError((err, c) => {
    const appErr = toAppError(err);
    if (appErr.code === "INTERNAL")
      o.logger.error("embedding failed", { error: (appErr.cause as Error)?.name ?? "unknown" });
    const { body, headers } = problemOf(appErr, uuidv7(), "/errors");
    return c.body(JSON.stringify(body), appErr.status as ContentfulStatusCode, headers);
  });
  return app;
}
