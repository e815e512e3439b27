import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyToken } from "../../src/auth/verify-token.js";
import { assembleContext } from "../../src/context/assemble.js";
import { createLoadGuard } from "../../src/context/load-guard.js";
import { createDirectiveCache } from "../../src/directives/cache.js";
import type { TestApp } from "../support/app.js";
import { assembleRequest } from "../support/assemble.js";
import { type ContextFixture, startContextFixture } from "../support/context-fixture.js";

// Injected slow or failing dependencies (database, Redis, embedder) and overload:
// the answer arrives, inside the deadline, at the right degradation level.
let fx: ContextFixture;
let t: TestApp;
let agent: string;
let gateway: string;
let http: ContextFixture["http"];
const client = (...args: Parameters<ContextFixture["client"]>) => fx.client(...args);
const serveWith = (...args: Parameters<ContextFixture["serveWith"]>) => fx.serveWith(...args);
/** AssembleContext through a real Connect client to the server at `url`. */
const ask = (url: string, query: string) =>
  client("connect", gateway, url).assembleContext({ agentId: agent, query, model: "gpt-4o" });

beforeAll(async () => {
  fx = await startContextFixture();
  ({ t, agent, gateway, http } = fx);
});
afterAll(() => fx?.close());

describe("degradation", () => {
  const failing = {
    embed: () => Promise.reject(new Error("embedder down")),
    embedBatch: () => Promise.reject(new Error("down")),
  };
  const slow = {
    embed: () => new Promise<never>(() => {}),
    embedBatch: () => new Promise<never>(() => {}),
  };

  it("L1 when the embedder fails: hot memories only, with the reason", async () => {
    const url = await serveWith({ embedder: { ...t.services.embedder, ...failing } });
    const res = await ask(url, "flight");
    expect(res.degradationLevel).toBe(1);
    expect(res.fallbackReason).toContain("cold_search_error");
    expect(res.assembledContext).toContain("<directive>");
  });

  it("L1 within the deadline when the embedder hangs", async () => {
    const url = await serveWith({ embedder: { ...t.services.embedder, ...slow } });
    const started = performance.now();
    const res = await ask(url, "flight");
    expect(res.degradationLevel).toBe(1);
    expect(res.fallbackReason).toContain("cold_search_timeout");
    // The deadline is 45 ms; the bound leaves room for a loaded CI machine.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("L2 when the hot set and the embedder are both down: directive only", async () => {
    const kv = { ...t.services.kv, ztop: () => Promise.reject(new Error("redis down")) };
    const url = await serveWith({ kv, embedder: { ...t.services.embedder, ...failing } });
    const res = await ask(url, "flight");
    expect(res.degradationLevel).toBe(2);
    expect(res.memoriesIncluded).toBe(0);
    expect(res.assembledContext).toContain("You are a travel assistant.");
  });

  it("L3 when the database is down: an empty context, not an error", async () => {
    const down = () => Promise.reject(new Error("connection refused"));
    const sql = { ...t.services.sql, query: down, exec: down, transaction: down };
    const url = await serveWith({
      sql,
      directiveCache: createDirectiveCache(0), // caches nothing: the directive must be read
    });
    // Authentication itself needs the database unless the token is cached: warm the cache first.
    await ask(http.url, "x");
    const res = await ask(url, "flight");
    expect(res.degradationLevel).toBe(3);
    expect(res.assembledContext).toBe("");
    expect(res.fallbackReason).toContain("directive_error");
  });
});

describe("the caller's deadline", () => {
  // A configured deadline far longer than the caller's: the caller's must bound the call.
  const patient = () => ({ ...t.services.config, CONTEXT_DEADLINE_MS: 5000 });
  const hanging = () => ({
    ...t.services.embedder,
    embed: () => new Promise<never>(() => {}),
    embedBatch: () => new Promise<never>(() => {}),
  });

  it("shortens the call's deadline: a degraded answer in time, not DeadlineExceeded", async () => {
    const overrides = { config: patient(), embedder: hanging() };
    for (const [transport, url] of [
      ["connect", await serveWith(overrides)],
      ["grpc", await fx.serveGrpcWith(overrides)],
    ] as const) {
      // The client's own timeout is the bound: an answer later than 400 ms would have
      // been DeadlineExceeded (a stopwatch here would only measure the machine's load).
      const res = await client(transport, gateway, url).assembleContext(
        { agentId: agent, query: "flight", model: "gpt-4o" },
        { timeoutMs: 400 },
      );
      expect(res.degradationLevel, transport).toBe(1);
      expect(res.fallbackReason, transport).toContain("cold_search_timeout");
      expect(res.assembledContext, transport).toContain("<directive>");
    }
  });

  it("does not lengthen it: a caller with time to spare still gets the configured deadline", async () => {
    const url = await serveWith({ embedder: hanging() });
    const started = performance.now();
    const res = await client("connect", gateway, url).assembleContext(
      { agentId: agent, query: "flight", model: "gpt-4o" },
      { timeoutMs: 60_000 },
    );
    expect(res.fallbackReason).toContain("cold_search_timeout");
    // 45 ms configured; the bound leaves room for a loaded CI machine.
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe("overload", () => {
  it("sheds cold search when its slots are busy, then the hot set when too many assemblies are in flight", async () => {
    const services = { ...t.services, loadGuard: createLoadGuard(1) };
    const principal = await verifyToken(
      { sql: t.sql, pepper: services.pepper, cache: services.tokenCache, clock: services.clock },
      gateway,
    );
    const request = assembleRequest(agent, { query: "flight" });
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => assembleContext(services, principal, request)),
    );
    expect(answers[0]?.degradationLevel).toBe(0);
    expect(answers[1]).toMatchObject({ degradationLevel: 1, fallbackReason: "overloaded" });
    expect(answers[5]).toMatchObject({
      degradationLevel: 2,
      fallbackReason: "overloaded",
      memoriesIncluded: 0,
    });
    for (const a of answers) expect(a.assembledContext).toContain("<directive>");
    expect(services.loadGuard.inFlight()).toBe(0);
  });

  it("sheds cold search without queueing it when the database says it would not start in time", async () => {
    const asked: (number | undefined)[] = [];
    const sql = {
      ...t.services.sql,
      admits: (o: { deadline?: number }) => {
        asked.push(o.deadline);
        return false;
      },
    };
    const services = { ...t.services, sql, loadGuard: createLoadGuard(8) };
    const principal = await verifyToken(
      { sql: t.sql, pepper: services.pepper, cache: services.tokenCache, clock: services.clock },
      gateway,
    );
    const before = performance.now();
    const answer = await assembleContext(services, principal, assembleRequest(agent, { query: "flight" }));
    expect(answer).toMatchObject({ degradationLevel: 1, fallbackReason: "overloaded" });
    expect(answer.memoriesIncluded).toBeGreaterThan(0); // the hot set is still there
    // It was asked with the cold search's own deadline, inside the call's.
    expect(asked).toHaveLength(1);
    expect(asked[0]).toBeGreaterThan(before);
    expect(asked[0]).toBeLessThanOrEqual(performance.now() + services.config.CONTEXT_DEADLINE_MS);
  });
});
