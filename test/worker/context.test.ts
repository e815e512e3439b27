import { env, exports } from "cloudflare:workers";
import { createClient } from "@connectrpc/connect";
import { createFetchClient } from "@connectrpc/connect/protocol";
import { createTransport } from "@connectrpc/connect/protocol-connect";
import { describe, expect, it } from "vitest";
import { ContextAssemblyService } from "../../src/gen/ibex/context/v1/context_pb.js";

const token = (env as unknown as { ENGRAM_TEST_ADMIN_TOKEN: string }).ENGRAM_TEST_ADMIN_TOKEN;
const call = (path: string, init: RequestInit = {}) =>
  exports.default.fetch(new Request(`http://engram.test${path}`, init));
const json = (method: string, body: unknown) => ({
  method,
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  body: JSON.stringify(body),
});

/** A Connect client whose HTTP goes straight into the bundled Worker's fetch handler. */
function connectClient(binary: boolean) {
  return createClient(
    ContextAssemblyService,
    createTransport({
      baseUrl: "http://engram.test",
      httpClient: createFetchClient((req) => exports.default.fetch(req as Request)),
      useBinaryFormat: binary,
      interceptors: [
        (next) => (req) => {
          req.header.set("authorization", `Bearer ${token}`);
          return next(req);
        },
      ],
      acceptCompression: [],
      sendCompression: null,
      compressMinBytes: 1024,
      readMaxBytes: 4 * 1024 * 1024,
      writeMaxBytes: 4 * 1024 * 1024,
    }),
  );
}

describe("ContextAssemblyService in workerd", () => {
  it("answers a cold isolate's first call within the deadline, then assembles with exact counts", async () => {
    const agent = (await (
      await call("/v1/agents", json("POST", { name: "Edge context", slug: "edge-context" }))
    ).json()) as { id: string };
    await call(`/v1/agents/${agent.id}/directive`, json("PUT", { content: "You are the edge concierge." }));
    await call(
      `/v1/agents/${agent.id}/memories`,
      json("POST", { content: "The user prefers aisle seats on trains", category: "preference" }),
    );
    const client = connectClient(false);
    const request = {
      agentId: agent.id,
      sessionId: "edge-1",
      query: "Which seat on the train?",
      model: "gpt-4o",
    };

    // The tokenizer tables are not loaded yet in this isolate: the answer uses a safe
    // estimate and says so, instead of spending ~150 ms loading them on the request path.
    const first = await client.assembleContext(request);
    expect(first.fallbackReason).not.toMatch(/directive|hot_set|cold_search/);
    expect(first.degradationLevel).toBe(0);
    expect(first.fallbackReason).toContain("tokenizer_warming");
    expect(first.assembledContext).toContain("You are the edge concierge.");
    expect(first.assembledContext).toContain("aisle seats");

    // The load was started off the request path (waitUntil); later calls count exactly.
    let later = first;
    for (let i = 0; i < 50 && later.fallbackReason.includes("tokenizer_warming"); i++) {
      await new Promise((r) => setTimeout(r, 50));
      later = await client.assembleContext(request);
    }
    expect(later.fallbackReason).toBe("");
    expect(later.assembledContext).toContain("aisle seats");
    expect(later.tokensUsed).toBeLessThanOrEqual(first.tokensUsed);
  });

  it("speaks the binary Connect protocol too, and maps errors to Connect codes", async () => {
    const client = connectClient(true);
    await expect(client.assembleContext({ agentId: "nope" })).rejects.toMatchObject({ code: 3 });
    const res = await exports.default.fetch(
      new Request("http://engram.test/ibex.context.v1.ContextAssemblyService/AssembleContext", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      }),
    );
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe("unauthenticated");
  });
});
