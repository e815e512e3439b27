import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpcHandlers } from "../../src/rpc/routes.js";
import { createTestApp, newAgent, type TestApp } from "../support/app.js";
import { badPathId, badQueryValue, nastyString } from "../support/fuzz/arbitraries.js";
import { type FuzzBody, malformedBody } from "../support/fuzz/bodies.js";
import {
  exampleOf,
  type OpenApiDocument,
  type Operation,
  operationsOf,
  resolver,
} from "../support/fuzz/openapi.js";
import { rpcCases } from "../support/fuzz/rpc.js";

// Malformed requests over every REST operation of the OpenAPI document and every RPC
// method of the Connect router, generated from a printed seed: FUZZ_SEED=<seed>
// replays a run. Pass: no 5xx, no crash, and every error is problem+json (REST) or a
// Connect/gRPC error with a code.
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const REST_REQUESTS = Number(process.env.FUZZ_REST ?? 5_000);
const RPC_REQUESTS = Number(process.env.FUZZ_RPC ?? 1_500);
const MAX_BODY_BYTES = 256 * 1024;

let t: TestApp;
let doc: OpenApiDocument;
let known: Record<string, string>;
const tally = { rest: 0, rpc: 0, byStatus: new Map<number, number>() };

beforeAll(async () => {
  console.info(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
  t = await createTestApp({
    MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    RATE_LIMIT_TOKEN_PER_MINUTE: "1000000",
    RATE_LIMIT_ORG_PER_MINUTE: "10000000",
  });
  doc = (await (await t.app.request("/openapi.json")).json()) as OpenApiDocument;
  const agent = await newAgent(t, t.rootToken, "fuzz-agent");
  const memory = await (
    await t.call("POST", `/v1/agents/${agent.id}/memories`, {
      token: t.rootToken,
      body: { content: "The user prefers aisle seats on long flights.", category: "preference" },
    })
  ).json();
  // Real ids where an operation names one, so a mutation can reach past the lookup.
  known = {
    agent_id: agent.id,
    id: agent.id,
    memory_id: memory.id ?? agent.id,
    session_id: "fuzz-session",
    version_num: "1",
  };
});
afterAll(async () => {
  const statuses = [...tally.byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`);
  console.info(
    `fuzz: ${tally.rest} REST and ${tally.rpc} RPC requests, seed ${SEED}; statuses ${statuses.join(", ")}`,
  );
  await t?.close();
});

const count = (status: number) => tally.byStatus.set(status, (tally.byStatus.get(status) ?? 0) + 1);

interface RestCase {
  path: string;
  token: string | undefined;
  body: FuzzBody | undefined;
}

function restCase(op: Operation): fc.Arbitrary<RestCase> {
  const resolve = resolver(doc);
  const pathValue = (name: string) =>
    fc.oneof({ weight: 1, arbitrary: badPathId }, { weight: 1, arbitrary: fc.constant(known[name] ?? "x") });
  const params = fc.tuple(...op.pathParams.map((p) => pathValue(p.name)));
  const query = fc.array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(...op.queryParams.map((p) => p.name), "unknown_param"),
        fc.string({ maxLength: 10 }),
      ),
      badQueryValue,
    ),
    { maxLength: 4 },
  );
  const token = fc.oneof(
    { weight: 8, arbitrary: fc.constant(t.rootToken) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, "garbage", `${t.rootToken.slice(0, -2)}xx`) },
    { weight: 1, arbitrary: nastyString.map((s) => s.slice(0, 200)) },
  );
  const example = op.body ? exampleOf(op.body, resolve) : undefined;
  const body = op.body
    ? malformedBody(example, MAX_BODY_BYTES)
    : fc.option(malformedBody({ a: 1 }, MAX_BODY_BYTES), { freq: 4 }).map((b) => b ?? undefined);
  return fc.tuple(params, query, token, body).map(([values, q, tok, b]) => {
    let path = op.path;
    op.pathParams.forEach((p, i) => {
      path = path.replace(`{${p.name}}`, values[i] as string);
    });
    const search = new URLSearchParams(q.map(([k, v]) => [k, v] as [string, string])).toString();
    // GET and DELETE carry no body here (fetch refuses one on GET).
    const body = op.method === "GET" ? undefined : b;
    return describeCase({ path: search ? `${path}?${search}` : path, token: tok, body });
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: it matches them to replace them.
const CONTROLS = /[\u0000-\u001f\u007f]/g;

/** Counterexamples print as one short line, not as a megabyte of body. */
function describeCase<T extends object>(c: T & { body?: unknown }): T {
  return Object.assign(c, {
    [fc.toStringMethod]: () => {
      const text = JSON.stringify(c, (_k, v) =>
        typeof v === "string" && v.length > 120 ? `${v.slice(0, 120)}…(${v.length})` : v,
      );
      return text.length > 600 ? `${text.slice(0, 600)}…` : text;
    },
  });
}

/** Sends one case; returns what was wrong with the answer, or null. */
async function sendRest(op: Operation, c: RestCase): Promise<string | null> {
  const headers: Record<string, string> = {};
  if (c.token !== undefined) {
    // A header value is bytes without controls (HTTP cannot carry them): a token that is
    // not becomes its UTF-8 bytes' latin1 reading, controls as "?".
    headers.authorization = `Bearer ${Buffer.from(c.token, "utf8")
      .toString("latin1")
      .replace(CONTROLS, "?")}`;
  }
  if (c.body?.contentType) headers["content-type"] = c.body.contentType;
  let res: Response;
  try {
    res = await t.app.request(c.path, {
      method: op.method,
      headers,
      body: c.body?.body as BodyInit | undefined,
    });
  } catch (err) {
    return `threw ${err instanceof Error ? err.message : String(err)}`;
  }
  tally.rest++;
  count(res.status);
  const text = await res.text();
  if (res.status >= 500) return `status ${res.status}: ${text.slice(0, 300)}`;
  if (res.status >= 400) {
    if (!res.headers.get("content-type")?.startsWith("application/problem+json"))
      return `status ${res.status} without problem+json (${res.headers.get("content-type")})`;
    let problem: { status?: number; title?: string };
    try {
      problem = JSON.parse(text);
    } catch {
      return `status ${res.status}: problem body is not JSON`;
    }
    if (problem.status !== res.status || typeof problem.title !== "string")
      return `status ${res.status}: problem without matching status and title`;
  }
  return null;
}

describe("fuzzing the REST API from its OpenAPI document", () => {
  it("covers every operation with malformed requests: no 5xx, every error problem+json", async () => {
    const ops = operationsOf(doc);
    expect(ops.length).toBeGreaterThan(40);
    const runs = Math.ceil(REST_REQUESTS / ops.length);
    for (const [i, op] of ops.entries()) {
      await fc.assert(
        fc.asyncProperty(restCase(op), async (c) => {
          const wrong = await sendRest(op, c);
          if (wrong) throw new Error(`${op.method} ${op.path} (${c.body?.kind ?? "no body"}): ${wrong}`);
        }),
        { seed: SEED + i, numRuns: runs, endOnFailure: true },
      );
    }
    expect(tally.rest).toBeGreaterThanOrEqual(REST_REQUESTS);
  }, 600_000);
});

describe("fuzzing the RPC methods from their descriptors", () => {
  it("answers malformed Connect JSON, Connect binary and gRPC-Web with a code, never a 5xx", async () => {
    const handlers = rpcHandlers();
    expect(handlers.length).toBeGreaterThanOrEqual(3);
    const runs = Math.ceil(RPC_REQUESTS / handlers.length);
    for (const [i, h] of handlers.entries()) {
      await fc.assert(
        fc.asyncProperty(rpcCases(h.method, { agentId: known.agent_id as string }), async (c) => {
          const res = await t.app.request(h.requestPath, {
            method: "POST",
            headers: { authorization: `Bearer ${t.rootToken}`, ...c.headers },
            body: c.body as BodyInit,
          });
          tally.rpc++;
          count(res.status);
          const wrong = await c.check(res);
          if (wrong) throw new Error(`${h.requestPath} (${c.kind}): ${wrong}`);
        }),
        { seed: SEED + 1_000 + i, numRuns: runs, endOnFailure: true },
      );
    }
    expect(tally.rpc).toBeGreaterThanOrEqual(RPC_REQUESTS);
  }, 600_000);
});
