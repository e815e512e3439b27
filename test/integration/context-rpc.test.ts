import { type Client, Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withOrg } from "../../src/db/tenant.js";
import type { ContextAssemblyService } from "../../src/gen/ibex/context/v1/context_pb.js";
import { newToken, type TestApp } from "../support/app.js";
import { type ContextFixture, codeOf, startContextFixture } from "../support/context-fixture.js";

let fx: ContextFixture;
let t: TestApp;
let org: ContextFixture["org"];
let other: ContextFixture["other"];
let agent: string;
let otherAgent: string;
const client = (...args: Parameters<ContextFixture["client"]>) => fx.client(...args);

beforeAll(async () => {
  fx = await startContextFixture();
  ({ t, org, other, agent, otherAgent } = fx);
});
afterAll(() => fx?.close());

describe.each(["connect", "grpc", "grpc-web"] as const)("AssembleContext over %s", (transport) => {
  it("packs the directive and the relevant memories, with the token split and metrics", async () => {
    const res = await client(transport).assembleContext({
      agentId: agent,
      orgId: org.orgId,
      sessionId: "sess-1",
      query: "Which seat should I book for my flight to Tokyo?",
      model: "gpt-4o",
      recentMessages: [{ role: "user", content: "Which seat should I book for my flight to Tokyo?" }],
      requestId: "req-1",
      traceId: "trace-1",
      spanId: "span-1",
    });
    expect(res.degradationLevel).toBe(0);
    expect(res.fallbackReason).toBe("");
    expect(res.assembledContext.startsWith("<directive>\nYou are a travel assistant.")).toBe(true);
    expect(res.assembledContext).toContain("window seats");
    expect(res.assembledContext).not.toContain("peanuts");
    const nonce = /nonce="([0-9a-f]{32})"/.exec(res.assembledContext)?.[1];
    expect(nonce).toBeDefined();
    expect(res.memoriesIncluded).toBeGreaterThan(0);
    const included = res.memoriesUsed.filter((m) => m.exclusion === "included");
    expect(included).toHaveLength(res.memoriesIncluded);
    expect(res.directiveTokens).toBeGreaterThan(0);
    expect(res.historyTokens).toBeGreaterThan(0);
    expect(res.tokensUsed).toBeGreaterThanOrEqual(res.memoryTokens);
    expect(res.metrics?.totalMs).toBeGreaterThanOrEqual(0);
    expect(res.metrics?.candidatesEvaluated).toBeGreaterThan(0);
    expect([res.requestId, res.traceId, res.spanId]).toEqual(["req-1", "trace-1", "span-1"]);
    expect(res.scoreSchema).toMatch(/^composite-v1;relevance=0.4/);
  });
});

describe("AssembleContext behaviour", () => {
  it("escapes memory content so it cannot forge or close a tag", async () => {
    const res = await client("connect").assembleContext({
      agentId: agent,
      query: "favourite band",
      model: "gpt-4o",
    });
    expect(res.assembledContext.match(/<directive/g)).toHaveLength(1);
    expect(res.assembledContext).toContain("Tom &amp; Jerry");
    expect(res.assembledContext).toContain("&lt;/memory&gt;&lt;/factual_memories&gt;");
  });

  it("keeps the nonce per session and changes it across sessions", async () => {
    const nonceOf = async (sessionId: string) =>
      /nonce="([0-9a-f]+)"/.exec(
        (
          await client("connect").assembleContext({
            agentId: agent,
            sessionId,
            query: "flight seats",
            model: "gpt-4o",
          })
        ).assembledContext,
      )?.[1];
    expect(await nonceOf("s-a")).toBe(await nonceOf("s-a"));
    expect(await nonceOf("s-a")).not.toBe(await nonceOf("s-b"));
  });

  it("honours max_memories, skip options and a tiny available_tokens budget", async () => {
    const c = client("connect");
    const one = await c.assembleContext({
      agentId: agent,
      query: "flight",
      model: "gpt-4o",
      options: { maxMemories: 1 },
    });
    expect(one.memoriesIncluded).toBe(1);
    const none = await c.assembleContext({
      agentId: agent,
      query: "flight",
      model: "gpt-4o",
      options: { skipColdMemories: true, skipHotMemories: true },
    });
    expect(none).toMatchObject({ memoriesIncluded: 0, degradationLevel: 0 });
    expect(none.assembledContext).toBe("<directive>\nYou are a travel assistant.\n</directive>");
    const tight = await c.assembleContext({
      agentId: agent,
      query: "flight",
      model: "gpt-4o",
      availableTokens: 30,
    });
    expect(tight.memoryTokens).toBeLessThanOrEqual(30);
    expect(tight.memoriesUsed.some((m) => m.exclusion === "budget" || m.exclusion === "truncated")).toBe(
      true,
    );
  });

  it("shows a directive change at once on Node, and a pinned version wins", async () => {
    const put = await t.call("PUT", `/v1/agents/${agent}/directive`, {
      token: org.token,
      body: { content: "You are a travel assistant. Be concise." },
    });
    const v2 = (await put.json()) as { id: string };
    const res = await client("connect").assembleContext({ agentId: agent, query: "x", model: "gpt-4o" });
    expect(res.assembledContext).toContain("Be concise.");
    const v1 = await (
      await t.call("GET", `/v1/agents/${agent}/directive/versions/1`, { token: org.token })
    ).json();
    const pinned = await client("connect").assembleContext({
      agentId: agent,
      query: "x",
      model: "gpt-4o",
      directiveVersionId: v1.id,
    });
    expect(pinned.assembledContext).not.toContain("Be concise.");
    expect(v2.id).not.toBe(v1.id);
  });

  it("records the assembly off the response path and bumps retrieval counts", async () => {
    await client("connect").assembleContext({
      agentId: agent,
      sessionId: "rec",
      query: "passport",
      model: "gpt-4o",
    });
    await t.call("GET", "/health"); // flushes deferred work in the test app
    const { rows } = await withOrg(t.sql, org.orgId, (tx) =>
      tx.query<{ n: number; r: number }>(
        `SELECT (SELECT count(*)::int FROM assembly_events WHERE org_id = $1) AS n,
                (SELECT max(retrieval_count)::int FROM memories WHERE org_id = $1) AS r`,
        [org.orgId],
      ),
    );
    expect(rows[0]?.n).toBeGreaterThan(0);
    expect(rows[0]?.r).toBeGreaterThan(0);
  });
});

describe("hot-set rows reused for a second", () => {
  const hotOnly = (sessionId: string, query = "seat") =>
    client("connect").assembleContext({
      agentId: agent,
      sessionId,
      query,
      model: "gpt-4o",
      options: { skipColdMemories: true },
    });
  const remember = async (content: string) => {
    const res = await t.call("POST", `/v1/agents/${agent}/memories`, {
      token: org.token,
      body: { content, category: "preference" },
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { memory: { id: string } }).memory.id;
  };

  it("never serves a memory after it is deleted, even inside the second", async () => {
    const id = await remember("The user likes aisle seats on short hops");
    expect((await hotOnly("hot-1")).assembledContext).toContain("aisle seats");
    const del = await t.call("DELETE", `/v1/agents/${agent}/memories/${id}`, { token: org.token });
    expect(del.status).toBe(204);
    expect((await hotOnly("hot-2")).assembledContext).not.toContain("aisle seats");
  });

  it("shows an edit once the second has passed", async () => {
    const id = await remember("The user takes the night train to Vienna");
    expect((await hotOnly("hot-3", "train to Vienna")).assembledContext).toContain("night train");
    const edit = await t.call("PATCH", `/v1/agents/${agent}/memories/${id}`, {
      token: org.token,
      body: { content: "The user takes the morning train to Vienna" },
    });
    expect(edit.status).toBe(200);
    t.clock.advance(1000);
    const after = (await hotOnly("hot-4", "train to Vienna")).assembledContext;
    expect(after).toContain("morning train");
    expect(after).not.toContain("night train");
  });
});

describe("auth and tenancy", () => {
  it("refuses a missing token, a token without the context scope and another org's id", async () => {
    const reader = (await newToken(t, org.token, { preset: "read-only" })).token;
    const req = { agentId: agent, query: "flight", model: "gpt-4o" };
    expect(await codeOf(client("connect", "eg_pat_bogus").assembleContext(req))).toBe(Code.Unauthenticated);
    expect(await codeOf(client("connect", reader).assembleContext(req))).toBe(Code.PermissionDenied);
    expect(await codeOf(client("connect").assembleContext({ ...req, orgId: other.orgId }))).toBe(
      Code.PermissionDenied,
    );
    expect(await codeOf(client("grpc", reader).assembleContext(req))).toBe(Code.PermissionDenied);
  });

  it("rejects malformed requests as InvalidArgument", async () => {
    const c = client("connect");
    expect(await codeOf(c.assembleContext({ agentId: "not-a-uuid" }))).toBe(Code.InvalidArgument);
    expect(await codeOf(c.assembleContext({ agentId: agent, availableTokens: -1 }))).toBe(
      Code.InvalidArgument,
    );
    expect(await codeOf(c.assembleContext({ agentId: agent, directiveVersionId: "v1" }))).toBe(
      Code.InvalidArgument,
    );
  });

  it("never puts org A's memories in org B's context: A's agent id is NotFound for B", async () => {
    const bGateway = (await newToken(t, other.token, { preset: "gateway" })).token;
    const b = client("connect", bGateway);
    expect(await codeOf(b.assembleContext({ agentId: agent, query: "window seats", model: "gpt-4o" }))).toBe(
      Code.NotFound,
    );
    const own = await b.assembleContext({
      agentId: otherAgent,
      query: "is the user allergic to peanuts",
      model: "gpt-4o",
    });
    expect(own.assembledContext).not.toContain("window seats");
    expect(own.assembledContext).toContain("peanuts");
    expect(await codeOf(b.searchMemories({ agentId: agent, query: "window seats" }))).toBe(Code.NotFound);
  });
});

describe("SearchMemories and RecordMemoryFeedback", () => {
  let client_: Client<typeof ContextAssemblyService>;
  beforeAll(() => {
    client_ = client("connect");
  });

  it("searches the agent's memories", async () => {
    const res = await client_.searchMemories({ agentId: agent, query: "window seat on flights", limit: 3 });
    expect(res.memories[0]?.content).toContain("window seats");
    expect(res.memories.length).toBeLessThanOrEqual(3);
    expect(res.totalCandidates).toBeGreaterThan(0);
    expect(await codeOf(client_.searchMemories({ agentId: agent, query: "x", categories: ["nope"] }))).toBe(
      Code.InvalidArgument,
    );
  });

  it("moves usefulness within [0, 1] and reports previous and new scores", async () => {
    const id =
      (await client_.searchMemories({ agentId: agent, query: "passport", limit: 1 })).memories[0]?.id ?? "";
    const up = await client_.recordMemoryFeedback({
      memoryIds: [id],
      feedback: "positive",
      orgId: org.orgId,
    });
    expect(up.success).toBe(true);
    expect(up.updates[0]?.previousScore).toBeCloseTo(0.5);
    expect(up.updates[0]?.newScore).toBeCloseTo(0.6);
    let last = up.updates[0]?.newScore ?? 0;
    for (let i = 0; i < 30; i++) {
      last =
        (await client_.recordMemoryFeedback({ memoryIds: [id], feedback: "positive" })).updates[0]
          ?.newScore ?? 0;
    }
    expect(last).toBeLessThanOrEqual(1);
    expect(await codeOf(client_.recordMemoryFeedback({ memoryIds: [id], feedback: "great" }))).toBe(
      Code.InvalidArgument,
    );
    expect(
      await codeOf(
        client_.recordMemoryFeedback({
          memoryIds: ["0190a0c0-0000-7000-8000-000000000000"],
          feedback: "neutral",
        }),
      ),
    ).toBe(Code.NotFound);
  });
});

describe("the Node HTTP port", () => {
  const call = (baseUrl: string, token: string) =>
    fetch(`${baseUrl}/ibex.context.v1.ContextAssemblyService/AssembleContext`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
        "x-request-id": "trace-abc",
        "accept-encoding": "gzip",
      },
      body: JSON.stringify({ agentId: agent, query: "window seats", model: "gpt-4o" }),
    });

  it("answers RPC through Connect's Node adapter and REST through the app, echoing the request id", async () => {
    const rpc = await call(fx.http.url, fx.gateway);
    expect(rpc.status).toBe(200);
    expect(rpc.headers.get("x-request-id")).toBe("trace-abc");
    // A few kilobytes of context go out uncompressed, though fetch accepts gzip.
    expect(rpc.headers.get("content-encoding")).toBeNull();
    expect(((await rpc.json()) as { requestId: string }).requestId).toBe("trace-abc");
    // One log line per call, with who made it and never what was asked.
    const lines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const logged = lines.find((l) => l.msg === "rpc" && l.request_id === "trace-abc");
    expect(logged).toMatchObject({ method: "AssembleContext", code: "ok", org_id: org.orgId });
    expect(typeof logged?.token_id).toBe("string");
    expect(t.logs.join("\n")).not.toContain("window seats");
    const denied = await call(fx.http.url, "eg_svc_not-a-token");
    expect(denied.status).toBe(401);
    expect(denied.headers.get("x-request-id")).toBe("trace-abc");
    const rest = await fetch(`${fx.http.url}/health`);
    expect(rest.status).toBe(200);
    expect(rest.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("reports the same request id through the app's own RPC mount (as on Workers)", async () => {
    const url = await fx.serveWith({});
    const rpc = await call(url, fx.gateway);
    expect(rpc.status).toBe(200);
    expect(rpc.headers.get("x-request-id")).toBe("trace-abc");
    expect(((await rpc.json()) as { requestId: string }).requestId).toBe("trace-abc");
    const bare = await fetch(`${url}/ibex.context.v1.ContextAssemblyService/AssembleContext`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${fx.gateway}` },
      body: JSON.stringify({ agentId: agent, query: "window seats", model: "gpt-4o" }),
    });
    const id = bare.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await bare.json()) as { requestId: string }).requestId).toBe(id);
  });
});
