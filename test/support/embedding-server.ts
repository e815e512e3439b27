import { parseEmbedderConfig } from "../../src/embedder/config.js";
import { createEmbedderRuntime } from "../../src/embedder/runtime.js";
import { createLogger } from "../../src/lib/logger.js";
import { serveOnLoopback } from "./serve.js";
import { startTcpProxy } from "./tcp-proxy.js";

/** How the embedding service behaves for the next requests. */
export type EmbedderMode =
  /** Answers as the real service does. */
  | "up"
  /** Reads the request and never answers. */
  | "hang"
  /** Sends 200 and the start of a body, then nothing more. */
  | "stall"
  /** Answers 503, as the service does when its model times out. */
  | "error";

/**
 * Engram's real embedding service (the local model) on a loopback port behind a TCP
 * proxy, so a test can stop it (`down()`: connections dropped and refused), bring it
 * back (`up()`), or make it hang, stall mid-answer or fail with 503 (`mode`), after an
 * optional number of good answers (`failAfter`). Counts the requests that reached it.
 * Test infrastructure.
 */
export async function startEmbeddingServer() {
  const runtime = await createEmbedderRuntime(
    parseEmbedderConfig({ EMBEDDER_FLUSH_MS: "1" }),
    createLogger("error"),
  );
  await runtime.warmUp();
  const state = { mode: "up" as EmbedderMode, goodLeft: Number.POSITIVE_INFINITY, requests: 0 };
  const server = await serveOnLoopback(async (req) => {
    state.requests++;
    const mode = state.goodLeft > 0 ? "up" : state.mode;
    if (state.goodLeft > 0) state.goodLeft--;
    if (mode === "up") return runtime.app.fetch(req);
    await req.arrayBuffer();
    if (mode === "hang") return new Promise<Response>(() => {});
    if (mode === "error") {
      return new Response(JSON.stringify({ code: "UNAVAILABLE" }), {
        status: 503,
        headers: { "content-type": "application/problem+json" },
      });
    }
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"model":"engram-local-v1","embeddings":[[0.1,'));
      },
    });
    return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
  });
  const proxy = await startTcpProxy(Number(new URL(server.url).port));
  return {
    url: `http://127.0.0.1:${proxy.port}`,
    get requests() {
      return state.requests;
    },
    /** Switches the behaviour, after `failAfter` more good answers (default none). */
    set(mode: EmbedderMode, failAfter = 0) {
      state.mode = mode;
      state.goodLeft = mode === "up" ? Number.POSITIVE_INFINITY : failAfter;
    },
    /** Stopped: every connection dropped, new ones refused. */
    down: () => proxy.down(),
    /** Back on the same address, answering as the real service. */
    async up() {
      state.mode = "up";
      state.goodLeft = Number.POSITIVE_INFINITY;
      await proxy.up();
    },
    async close() {
      await proxy.stop();
      await server.stop();
      await runtime.close();
    },
  };
}

export type EmbeddingServer = Awaited<ReturnType<typeof startEmbeddingServer>>;
