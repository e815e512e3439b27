import { Agent } from "node:http";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { expect } from "vitest";
import { SessionService } from "../../src/gen/engram/session/v1/session_pb.js";
import { ContextAssemblyService } from "../../src/gen/ibex/context/v1/context_pb.js";
import { rpcFirst } from "../../src/rpc/node-listener.js";
import { newAgent, newOrg, newToken, type TestApp } from "./app.js";
import { seededRandom } from "./seeded-random.js";
import { serveOnLoopback } from "./serve.js";

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Limits no fault test should run into: every refusal must come from the fault. */
export const FAULT_ENV = {
  RATE_LIMIT_TOKEN_PER_MINUTE: "1000000",
  RATE_LIMIT_ORG_PER_MINUTE: "10000000",
} as const;

/** How a write ended, as its caller saw it. */
export type WriteOutcome =
  | { kind: "acked"; status: number; body: Record<string, unknown> }
  | { kind: "refused" }
  | { kind: "error"; what: string };

/** How one AssembleContext call ended, and how long the caller waited. */
export interface AssemblyOutcome {
  ms: number;
  level: number | null;
  reason: string;
  error: string | null;
}

// biome-ignore format: a word list
const SYLLABLES = ["ka", "lo", "mi", "ru", "te", "van", "sel", "dor", "pin", "qua", "zef", "bro", "tul", "nix", "hap", "wen", "gor", "sim", "pal", "fey", "jot", "cus"];

/**
 * Texts unlike each other (made-up words from a seeded generator): no two are near
 * duplicates or conflicts, so every write is its own memory.
 */
export function distinctTexts(n: number, seed: number): string[] {
  const rnd = seededRandom(seed);
  const word = () =>
    Array.from({ length: 3 }, () => SYLLABLES[Math.floor(rnd() * SYLLABLES.length)]).join("");
  return Array.from(
    { length: n },
    (_, i) => `Remember item ${word()}${i}: ${Array.from({ length: 7 }, word).join(" ")}.`,
  );
}

/** The id of the memory an acknowledged write answered with. */
export function memoryIdOf(outcome: WriteOutcome | undefined): string {
  if (outcome?.kind !== "acked") throw new Error(`not acknowledged: ${JSON.stringify(outcome)}`);
  return String((outcome.body.memory as { id: string }).id);
}

/** Classifies a REST write's answer: 2xx, a 503 problem+json UNAVAILABLE, or anything else. */
export async function restOutcome(res: Response): Promise<WriteOutcome> {
  const type = res.headers.get("content-type") ?? "";
  const text = await res.text();
  if (res.status >= 200 && res.status < 300) {
    return { kind: "acked", status: res.status, body: JSON.parse(text) as Record<string, unknown> };
  }
  if (res.status === 503 && type.startsWith("application/problem+json")) {
    const body = JSON.parse(text) as { code?: string; detail?: string };
    if (body.code === "UNAVAILABLE") return { kind: "refused" };
  }
  return { kind: "error", what: `${res.status} ${type} ${text.slice(0, 200)}` };
}

/** Classifies an RPC: ok, `unavailable`, or any other code. */
export async function rpcOutcome(call: Promise<unknown>): Promise<WriteOutcome> {
  try {
    return { kind: "acked", status: 200, body: (await call) as Record<string, unknown> };
  } catch (err) {
    const ce = ConnectError.from(err);
    if (ce.code === Code.Unavailable) return { kind: "refused" };
    return { kind: "error", what: `${Code[ce.code]} ${ce.rawMessage.slice(0, 200)}` };
  }
}

const bearer =
  (token: string): Interceptor =>
  (next) =>
  (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };

/**
 * An org with an agent, its directive and a few memories, a gateway token, and the app
 * served as the Node entry serves it (RPC first, the rest through Hono), with Connect
 * clients for context assembly and session appends. Every token has been used once,
 * so its record is cached (the test clock does not move unless a test moves it).
 */
export async function startFaultScenario(t: TestApp, slug: string) {
  const org = await newOrg(t, slug);
  const agent = (await newAgent(t, org.token, `${slug}-agent`)).id;
  const gateway = (await newToken(t, org.token, { preset: "gateway" })).token;
  const directive = await t.call("PUT", `/v1/agents/${agent}/directive`, {
    token: org.token,
    body: { content: "You are a careful assistant." },
  });
  expect(directive.status).toBeLessThan(300);
  for (const content of distinctTexts(3, 7)) {
    const res = await t.call("POST", `/v1/agents/${agent}/memories`, {
      token: org.token,
      body: { content, category: "factual" },
    });
    expect(res.status).toBe(201);
  }
  const server = await serveOnLoopback(t.app.fetch, rpcFirst(t.services));
  // Each client keeps its own few connections, as a gateway's pool does: calls wait for
  // a free one rather than each opening its own.
  const pools: Agent[] = [];
  const transport = (token: string) => {
    const pool = new Agent({ keepAlive: true, maxSockets: 8 });
    pools.push(pool);
    return createConnectTransport({
      baseUrl: server.url,
      httpVersion: "1.1",
      interceptors: [bearer(token)],
      nodeOptions: { agent: pool },
    });
  };
  const context = createClient(ContextAssemblyService, transport(gateway));
  const sessions = createClient(SessionService, transport(org.token));
  const deadlineMs = t.services.config.CONTEXT_DEADLINE_MS;

  const scenario = {
    t,
    org,
    agent,
    gateway,
    deadlineMs,
    /** POST one memory through REST. */
    async remember(content: string): Promise<WriteOutcome> {
      return restOutcome(
        await t.call("POST", `/v1/agents/${agent}/memories`, {
          token: org.token,
          body: { content, category: "factual" },
        }),
      );
    },
    /** Appends turns through REST (`via: "rest"`) or Connect's SessionService. */
    async append(
      via: "rest" | "rpc",
      sessionId: string,
      key: string,
      contents: string[],
    ): Promise<WriteOutcome> {
      const messages = contents.map((content) => ({ role: "user", content }));
      if (via === "rpc") {
        return rpcOutcome(sessions.appendTurns({ agentId: agent, sessionId, messages, idempotencyKey: key }));
      }
      return restOutcome(
        await t.call("POST", `/v1/agents/${agent}/sessions/${sessionId}/messages`, {
          token: org.token,
          body: { idempotency_key: key, messages },
        }),
      );
    },
    /** One AssembleContext through a real Connect client, timed from the caller's side. */
    async assemble(query = "remember item"): Promise<AssemblyOutcome> {
      const started = performance.now();
      try {
        const res = await context.assembleContext({ agentId: agent, query, model: "gpt-4o" });
        return {
          ms: performance.now() - started,
          level: res.degradationLevel,
          reason: res.fallbackReason,
          error: null,
        };
      } catch (err) {
        const ce = ConnectError.from(err);
        return { ms: performance.now() - started, level: null, reason: "", error: Code[ce.code] ?? "?" };
      }
    },
    /** Live memories of the agent holding exactly `content`. */
    async copiesOf(contents: string[]): Promise<Map<string, number>> {
      const { rows } = await t.sql.query<{ content: string; n: number }>(
        `SELECT content, count(*)::int AS n FROM memories
          WHERE agent_id = $1 AND deleted_at IS NULL AND content = ANY($2::text[]) GROUP BY content`,
        [agent, contents],
      );
      return new Map(rows.map((r) => [r.content, Number(r.n)]));
    },
    async close() {
      for (const pool of pools) pool.destroy();
      await server.stop();
    },
  };
  // Cache both tokens' records and open each client's connections before any fault.
  const warm = await Promise.all(Array.from({ length: 8 }, () => scenario.assemble()));
  expect(warm.filter((a) => a.error !== null)).toEqual([]);
  const appended = await Promise.all(
    Array.from({ length: 8 }, (_, i) => scenario.append("rpc", `warm-up-${i}`, "warm-up", ["hello"])),
  );
  expect(appended.filter((o) => o.kind !== "acked")).toEqual([]);
  return scenario;
}

export type FaultScenario = Awaited<ReturnType<typeof startFaultScenario>>;

/** Retries a write until it is acknowledged (bounded): the service must recover on its own. */
export async function retryUntilAcked(
  write: () => Promise<WriteOutcome>,
  attempts = 50,
  pauseMs = 100,
): Promise<WriteOutcome & { kind: "acked" }> {
  let last: WriteOutcome = { kind: "refused" };
  for (let i = 0; i < attempts; i++) {
    last = await write();
    if (last.kind === "acked") return last;
    if (last.kind === "error") break;
    await sleep(pauseMs);
  }
  throw new Error(`write not acknowledged after retries: ${JSON.stringify(last)}`);
}

/** Percentile of a list of numbers (nearest rank). */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
