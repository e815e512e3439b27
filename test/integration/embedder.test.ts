import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryKeyValue } from "../../src/adapters/in-memory/key-value.js";
import { createEmbedderApp } from "../../src/embedder/app.js";
import { createBatcher } from "../../src/embedder/batcher.js";
import { parseEmbedderConfig } from "../../src/embedder/config.js";
import { checkModelDir, createOnnxEmbedder, ModelDirError } from "../../src/embedder/onnx-backend.js";
import { createEmbedderRuntime } from "../../src/embedder/runtime.js";
import { withEmbeddingCache } from "../../src/embedding/cached.js";
import { createEmbeddingServiceClient } from "../../src/embedding/http-client.js";
import { createLocalEmbedder } from "../../src/embedding/local.js";
import { localEmbed } from "../../src/embedding/local-embedder.js";
import type { Embedder } from "../../src/embedding/ports.js";
import { isAppError } from "../../src/lib/errors.js";
import { createLogger } from "../../src/lib/logger.js";

const post = (
  app: { request: (p: string, i: RequestInit) => Response | Promise<Response> },
  path: string,
  body: unknown,
) =>
  app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("embedding service", () => {
  let runtime: Awaited<ReturnType<typeof createEmbedderRuntime>>;
  beforeAll(async () => {
    runtime = await createEmbedderRuntime(
      parseEmbedderConfig({ EMBEDDER_FLUSH_MS: "5" }),
      createLogger("error"),
    );
  });
  afterAll(() => runtime.close());

  it("is live at once and ready only after warm-up", async () => {
    expect((await runtime.app.request("/health")).status).toBe(200);
    expect((await runtime.app.request("/ready")).status).toBe(503);
    await runtime.warmUp();
    const ready = await runtime.app.request("/ready");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", model: "engram-local-v1", dim: 384 });
  });

  it("POST /v1/embed returns the local embedder's exact vector", async () => {
    const res = await post(runtime.app, "/v1/embed", { text: "My favourite colour is green" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      embedding: localEmbed("My favourite colour is green"),
      dim: 384,
      model: "engram-local-v1",
    });
  });

  it("POST /v1/embed/batch takes 1 to 512 texts and refuses 513 with 422", async () => {
    const texts = Array.from({ length: 512 }, (_, i) => `text number ${i}`);
    const ok = await post(runtime.app, "/v1/embed/batch", { texts });
    expect(ok.status).toBe(200);
    const body = await ok.json();
    expect(body.count).toBe(512);
    expect(body.embeddings[511]).toEqual(localEmbed("text number 511"));
    const tooMany = await post(runtime.app, "/v1/embed/batch", { texts: [...texts, "one more"] });
    expect(tooMany.status).toBe(422);
    expect((await post(runtime.app, "/v1/embed/batch", { texts: [] })).status).toBe(400);
  });

  it("POST /v1/embeddings speaks the OpenAI shape for a string or a list", async () => {
    const res = await post(runtime.app, "/v1/embeddings", { input: ["a cat", "a dog"], model: "any" });
    const body = await res.json();
    expect(body.object).toBe("list");
    expect(body.data.map((d: { index: number }) => d.index)).toEqual([0, 1]);
    expect(body.data[1].embedding).toEqual(localEmbed("a dog"));
    const single = await (await post(runtime.app, "/v1/embeddings", { input: "a cat" })).json();
    expect(single.data).toHaveLength(1);
  });

  it.each([
    ["malformed JSON", "{", 400],
    ["a missing text", {}, 400],
    ["an unknown field", { text: "x", extra: 1 }, 400],
    ["a blank text", { text: "   " }, 400],
    ["a text over 8,192 chars", { text: "x".repeat(8193) }, 400],
    ["a non-string text", { text: 42 }, 400],
  ])("answers %s with a problem+json 4xx", async (_l, body, status) => {
    const res = await post(runtime.app, "/v1/embed", body);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });
});

/** An Embedder that counts calls and can be slowed down. */
function slowEmbedder(delayMs: number) {
  const batches: number[] = [];
  const overlap = { now: 0, max: 0 };
  const inner = createLocalEmbedder();
  const e: Embedder = {
    ...inner,
    embedBatch: async (texts) => {
      batches.push(texts.length);
      overlap.max = Math.max(overlap.max, ++overlap.now);
      await new Promise((r) => setTimeout(r, delayMs));
      overlap.now--;
      return inner.embedBatch(texts);
    },
  };
  return { e, batches, overlap };
}

describe("embedding-service client", () => {
  it("refuses vectors from a service serving another model than configured", async () => {
    const runtime = await createEmbedderRuntime(parseEmbedderConfig({}), createLogger("error"));
    await runtime.warmUp();
    const fetchVia: typeof fetch = (input, init) => Promise.resolve(runtime.app.request(String(input), init));
    const right = createEmbeddingServiceClient({
      baseUrl: "http://svc",
      dimension: 384,
      model: "engram-local-v1",
      fetch: fetchVia,
    });
    expect(await right.embed("hello")).toEqual(localEmbed("hello"));
    const wrong = createEmbeddingServiceClient({
      baseUrl: "http://svc",
      dimension: 384,
      model: "all-MiniLM-L6-v2",
      fetch: fetchVia,
    });
    for (const call of [() => wrong.embed("hello"), () => wrong.embedBatch(["hello"])]) {
      const err = await call().catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe("UNAVAILABLE");
    }
  });
});

describe("micro-batching, back-pressure and timeouts", () => {
  it("groups concurrent requests into batches of at most 64", async () => {
    const { e, batches } = slowEmbedder(0);
    const batcher = createBatcher((t) => e.embedBatch(t), { maxBatch: 64, flushMs: 50, maxQueue: 10_000 });
    const results = await Promise.all(Array.from({ length: 150 }, (_, i) => batcher.submit([`t${i}`])));
    expect(results[149]?.[0]).toEqual(localEmbed("t149"));
    expect(batches).toEqual([64, 64, 22]);
  });

  it("runs a lone request at once when the model is idle", async () => {
    const { e, batches } = slowEmbedder(0);
    const batcher = createBatcher((t) => e.embedBatch(t), { maxBatch: 64, flushMs: 10_000, maxQueue: 100 });
    const started = performance.now();
    await batcher.submit(["alone"]);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(batches).toEqual([1]);
  });

  it("gathers texts that arrive while the model is busy into the next batch", async () => {
    const { e, batches } = slowEmbedder(100);
    const batcher = createBatcher((t) => e.embedBatch(t), { maxBatch: 64, flushMs: 10_000, maxQueue: 1_000 });
    const first = batcher.submit(["first"]);
    await new Promise((r) => setTimeout(r, 20));
    const rest = Array.from({ length: 10 }, (_, i) => batcher.submit([`later ${i}`]));
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([1, 10]);
  });

  it("starts a second call when a text has waited flushMs for a busy model", async () => {
    const { e, batches, overlap } = slowEmbedder(300);
    const batcher = createBatcher((t) => e.embedBatch(t), { maxBatch: 64, flushMs: 30, maxQueue: 1_000 });
    const first = batcher.submit(["first"]);
    await new Promise((r) => setTimeout(r, 10));
    await Promise.all([first, batcher.submit(["second"])]);
    expect(batches).toEqual([1, 1]);
    // The second call ran beside the first instead of waiting for it.
    expect(overlap.max).toBe(2);
  });

  it("answers 429 with Retry-After when the queue is full", async () => {
    const { e } = slowEmbedder(200);
    const batcher = createBatcher((t) => e.embedBatch(t), { maxBatch: 4, flushMs: 1, maxQueue: 8 });
    const app = createEmbedderApp({
      embedder: e,
      submit: (t) => batcher.submit(t),
      logger: createLogger("error"),
      timeoutMs: 5_000,
      isReady: () => true,
    });
    const first = post(app, "/v1/embed/batch", { texts: Array.from({ length: 8 }, (_, i) => `q${i}`) });
    await new Promise((r) => setTimeout(r, 5));
    const refused = await post(app, "/v1/embed/batch", {
      texts: Array.from({ length: 8 }, (_, i) => `r${i}`),
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect((await first).status).toBe(200);
  });

  it("answers 503 when the model does not answer within the timeout", async () => {
    const { e } = slowEmbedder(300);
    const app = createEmbedderApp({
      embedder: e,
      submit: (t) => e.embedBatch(t),
      logger: createLogger("error"),
      timeoutMs: 100,
      isReady: () => true,
    });
    const res = await post(app, "/v1/embed", { text: "slow" });
    expect(res.status).toBe(503);
  });

  it("caches model backends by default and not the local embedder (EMBED_CACHE=auto)", async () => {
    const local = await createEmbedderRuntime(parseEmbedderConfig({}), createLogger("error"));
    await local.embedder.embed("one");
    await local.embedder.embed("one");
    expect(local.stats).toEqual({ hits: 0, misses: 0 });
    const forced = await createEmbedderRuntime(
      parseEmbedderConfig({ EMBED_CACHE: "on" }),
      createLogger("error"),
    );
    await forced.embedder.embed("one");
    await forced.embedder.embed("one");
    expect(forced.stats).toEqual({ hits: 1, misses: 1 });
  });

  it("the cache answers repeats without reaching the model", async () => {
    const { e, batches } = slowEmbedder(0);
    const cached = withEmbeddingCache(e, { kv: createMemoryKeyValue() });
    await cached.embedBatch(["a", "b"]);
    await cached.embedBatch(["a", "b", "c"]);
    expect(batches).toEqual([2, 1]);
  });
});

describe("ONNX model directory", () => {
  it("refuses a missing directory with a clear startup error", async () => {
    await expect(createOnnxEmbedder("/nonexistent/model", 384)).rejects.toThrow(ModelDirError);
    await expect(createOnnxEmbedder("/nonexistent/model", 384)).rejects.toThrow(/directory not found/);
  });

  it("names the missing file of an incomplete export", async () => {
    const dir = await mkdtemp(join(tmpdir(), "engram-model-"));
    await writeFile(join(dir, "config.json"), "{}");
    await expect(checkModelDir(dir)).rejects.toThrow(/tokenizer\.json/);
    await writeFile(join(dir, "tokenizer.json"), "{}");
    await expect(checkModelDir(dir)).rejects.toThrow(/onnx\/ directory/);
    await mkdir(join(dir, "onnx"));
    await expect(checkModelDir(dir)).rejects.toThrow(/no \.onnx file/);
  });

  it("a broken model stops the runtime from being built (the service never starts)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "engram-model-"));
    await mkdir(join(dir, "onnx"));
    for (const f of ["config.json", "tokenizer.json", "onnx/model.onnx"])
      await writeFile(join(dir, f), "garbage");
    const config = parseEmbedderConfig({ EMBEDDING_MODEL_DIR: dir });
    await expect(createEmbedderRuntime(config, createLogger("error"))).rejects.toThrow(ModelDirError);
  });
});
