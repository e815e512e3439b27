import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ContextFixture, codeOf, startContextFixture } from "../support/context-fixture.js";

// AssembleContext counts the history's tokens on the HTTP thread, before anything
// else: a message is capped, the request as a whole is capped, and a long run of one
// character (one BPE pre-token, quadratic to encode) no longer stalls the server.
let fx: ContextFixture;
let agent: string;

beforeAll(async () => {
  fx = await startContextFixture();
  agent = fx.agent;
  // First calls warm the path (compilation for one- and two-byte strings, the
  // client's connection), whose one-off cost is not what the timing below is about.
  const mixed = `${"a".repeat(8000)} ${"中".repeat(8000)} ${"😀".repeat(4000)} ${"seat ".repeat(1000)}`;
  for (const content of ["Which seat should I book?", mixed, mixed.slice(1)]) {
    await fx.client("connect").assembleContext({
      agentId: agent,
      query: "flight",
      model: "gpt-4o",
      recentMessages: [{ role: "user", content }],
    });
  }
});
afterAll(() => fx?.close());

async function errorOf(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error("the call succeeded");
}

describe("AssembleContext input limits", () => {
  it("refuses a message over 32,000 characters as InvalidArgument, naming it", async () => {
    const err = await errorOf(
      fx.client("connect").assembleContext({
        agentId: agent,
        query: "flight",
        model: "gpt-4o",
        recentMessages: [
          { role: "user", content: "Which seat?" },
          { role: "assistant", content: "a".repeat(32_001) },
        ],
      }),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain("recent_messages.1.content at most 32,000 characters");
    // The same over gRPC.
    expect(
      await codeOf(
        fx.client("grpc").assembleContext({
          agentId: agent,
          model: "gpt-4o",
          recentMessages: [{ role: "user", content: "中".repeat(32_001) }],
        }),
      ),
    ).toBe(Code.InvalidArgument);
  });

  it("refuses more than 400,000 characters of messages and query in all", async () => {
    const err = await errorOf(
      fx.client("connect").assembleContext({
        agentId: agent,
        query: "flight",
        model: "gpt-4o",
        recentMessages: Array.from({ length: 13 }, () => ({ role: "user", content: "b ".repeat(16_000) })),
      }),
    );
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain("recent_messages at most 400,000 characters");
  });

  it.each([
    ['"a"', "a".repeat(32_000)],
    ["emoji", "😀".repeat(16_000)],
    ["CJK", "中".repeat(32_000)],
  ])("assembles with a 32,000-char message of %s while /health answers within 100 ms", async (_, content) => {
    let done = false;
    const assembly = fx
      .client("connect")
      .assembleContext({
        agentId: agent,
        query: "flight",
        model: "gpt-4o",
        recentMessages: [{ role: "user", content }],
      })
      .finally(() => {
        done = true;
      });
    // Back-to-back health checks for as long as the assembly runs: one is always in
    // flight, so a stall of the event loop shows in its time.
    const times: number[] = [];
    while (!done || times.length === 0) {
      const t0 = performance.now();
      const res = await fetch(`${fx.http.url}/health`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      times.push(performance.now() - t0);
    }
    const res = await assembly;
    expect(res.historyTokens).toBeGreaterThanOrEqual(content === "a".repeat(32_000) ? 4000 : 16_000);
    expect(Math.max(...times)).toBeLessThan(100);
  });
});
