import { create, type DescMethod, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withOrg } from "../../src/db/tenant.js";
import { rpcHandlers } from "../../src/rpc/routes.js";
import { createTestApp, newAgent, newOrg, newToken, type TestApp } from "../support/app.js";
import {
  exampleOf,
  type OpenApiDocument,
  type Operation,
  operationsOf,
  resolver,
} from "../support/fuzz/openapi.js";

// Every operation of the OpenAPI document that names a resource, called with org A's
// ids by four callers that must not reach them: org B's admin, a token of org A
// scoped to another agent, a revoked token and an expired one. Generated from the
// route table, so a new route is in the matrix the day it is added. A row passes with
// 401, 403 or 404 — never 2xx, never 400 (a 400 would hide whether access was checked:
// give the operation a valid body in BODIES below).

/** Valid bodies for operations whose schema example is not enough to pass validation. */
const BODIES: Record<string, unknown> = {
  "POST /v1/agents/{agent_id}/sessions/{session_id}/messages": {
    messages: [{ role: "user", content: "hi" }],
  },
  "POST /v1/agents/{agent_id}/memories": { content: "The user likes tea.", category: "preference" },
  "POST /v1/agents/{agent_id}/memories/bulk": {
    items: [{ content: "The user likes tea.", category: "preference" }],
  },
  "POST /v1/agents/{agent_id}/memories/search": { query: "tea" },
  "PATCH /v1/agents/{agent_id}/memories/{memory_id}": { content: "The user likes green tea." },
  "POST /v1/agents/{agent_id}/memories/{memory_id}/feedback": { feedback: "positive" },
  "PUT /v1/agents/{id}/directive": { content: "Be brief." },
  "POST /v1/agents/{id}/directive/rollback": { version_num: 1 },
  "PATCH /v1/agents/{id}": { name: "renamed" },
  "PATCH /v1/users/{id}": { name: "renamed" },
  "POST /v1/purges/{id}/verify": {
    certificate: {
      purge_id: "0190a000-0000-7000-8000-000000000001",
      scope: "org",
      org_id: "0190a000-0000-7000-8000-000000000002",
      requester: "x",
      requested_at: "2026-12-01T00:00:00Z",
      started_at: "2026-12-01T00:00:00Z",
      finished_at: "2026-12-01T00:00:00Z",
      counts: { rows: {}, objects: 0, keys: 0 },
    },
    signature: "0".repeat(64),
  },
};

/** Query strings some operations need to get past validation. */
const QUERIES: Record<string, string> = {
  "DELETE /v1/agents/{agent_id}/memories": "?confirm=true",
};

type Caller = "org B admin" | "other-agent token" | "revoked token" | "expired token";
const CALLERS: Caller[] = ["org B admin", "other-agent token", "revoked token", "expired token"];
const ALLOWED = new Set([401, 403, 404]);

let t: TestApp;
let doc: OpenApiDocument;
let a: { orgId: string; token: string };
let b: { orgId: string; token: string };
let bAgent: string;
let tokens: Record<Caller, string>;
/** Org A's resources, and the strings that must never appear in an answer to org B. */
let ids: Record<string, string>;
let secrets: string[];

async function json(res: Response) {
  const body = await res.json();
  if (res.status >= 300) throw new Error(`setup failed: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_TOKEN_PER_MINUTE: "1000000", RATE_LIMIT_ORG_PER_MINUTE: "10000000" });
  doc = (await (await t.app.request("/openapi.json")).json()) as OpenApiDocument;
  a = await newOrg(t, "iso-a");
  b = await newOrg(t, "iso-b");
  const agent = (await newAgent(t, a.token, "iso-agent")).id;
  const other = (await newAgent(t, a.token, "iso-other")).id;
  bAgent = (await newAgent(t, b.token, "iso-b-agent")).id;
  const call = (method: string, path: string, body?: unknown, token = a.token) =>
    t.call(method, path, { token, body });
  const memory = await json(
    await call("POST", `/v1/agents/${agent}/memories`, BODIES["POST /v1/agents/{agent_id}/memories"]),
  );
  await json(await call("PUT", `/v1/agents/${agent}/directive`, { content: "Org A's secret directive." }));
  await json(
    await call("POST", `/v1/agents/${agent}/sessions/s-a/messages`, {
      messages: [{ role: "user", content: "Org A's session." }],
    }),
  );
  await json(
    await call("POST", `/v1/agents/${agent}/sessions/s-done/messages`, {
      messages: [{ role: "user", content: "I live in Oslo." }],
    }),
  );
  const done = await json(await call("POST", `/v1/agents/${agent}/sessions/s-done/complete`));
  await t.jobWorker.drain(20);
  const exported = await json(await call("POST", `/v1/agents/${agent}/memories/export`, { format: "jsonl" }));
  const user = await json(await call("POST", "/v1/users", { email: "iso@a.test" }));
  const token = await newToken(t, a.token, { preset: "read-only" });
  const revoked = await newToken(t, a.token, { preset: "admin" });
  await json(await call("DELETE", `/v1/tokens/${revoked.id}`));
  const expired = await newToken(t, a.token, { preset: "admin" });
  await withOrg(t.sql, a.orgId, (tx) =>
    tx.query("UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE org_id = $1 AND id = $2", [
      a.orgId,
      expired.id,
    ]),
  );
  const scoped = await newToken(t, a.token, { preset: "admin", agent_id: other });
  tokens = {
    "org B admin": b.token,
    "other-agent token": scoped.token,
    "revoked token": revoked.token,
    "expired token": expired.token,
  };
  ids = {
    org: a.orgId,
    agent,
    memory: memory.memory?.id ?? memory.id,
    job: done.job_ids[0],
    export: exported.id,
    user: user.id,
    token: token.id,
  };
  secrets = [...Object.values(ids), "Org A's secret directive.", "Org A's session.", "The user likes tea."];
  // Org B owns rows of every kind too, so "sees none of A" is never vacuously true.
  await json(
    await call(
      "POST",
      `/v1/agents/${bAgent}/memories`,
      { content: "B's user likes coffee.", category: "preference" },
      b.token,
    ),
  );
  await json(
    await call(
      "POST",
      `/v1/agents/${bAgent}/sessions/s-b/messages`,
      { messages: [{ role: "user", content: "B." }] },
      b.token,
    ),
  );
});
afterAll(() => t?.close());

/** The org-A value for a path parameter of an operation. */
function valueFor(op: Operation, name: string): string {
  if (name === "agent_id") return ids.agent as string;
  if (name === "memory_id") return ids.memory as string;
  if (name === "session_id") return op.path.endsWith("/archive") ? "s-done" : "s-a";
  if (name === "job_id") return ids.export as string;
  if (name === "version_num") return "1";
  if (name === "org_id") return ids.org as string;
  const resource = /^\/v1\/(\w+)\//.exec(op.path)?.[1];
  const byResource: Record<string, string | undefined> = {
    agents: ids.agent,
    users: ids.user,
    tokens: ids.token,
    jobs: ids.job,
  };
  // Anything else (a purge, a new kind of resource): an id org A could own.
  return byResource[resource ?? ""] ?? (ids.job as string);
}

function requestOf(op: Operation): { path: string; body: unknown } {
  let path = op.path;
  for (const p of op.pathParams) path = path.replace(`{${p.name}}`, encodeURIComponent(valueFor(op, p.name)));
  const key = `${op.method} ${op.path}`;
  if (op.path === "/v1/orgs/{org_id}") path += `?confirm=${ids.org}`;
  path += QUERIES[key] ?? "";
  const body =
    op.method === "GET"
      ? undefined
      : (BODIES[key] ?? (op.body ? exampleOf(op.body, resolver(doc)) : undefined));
  return { path, body };
}

describe("isolation matrix over the route table", () => {
  it("refuses org A's resources to every caller outside them, on every operation that names one", async () => {
    const ops = operationsOf(doc).filter((op) => op.authenticated && op.pathParams.length > 0);
    expect(ops.length).toBeGreaterThan(30);
    const rows: string[] = [];
    const failures: string[] = [];
    for (const op of ops) {
      const { path, body } = requestOf(op);
      const cells: string[] = [];
      for (const caller of CALLERS) {
        const res = await t.call(op.method, path, { token: tokens[caller], body });
        const text = await res.text();
        cells.push(String(res.status));
        if (!ALLOWED.has(res.status))
          failures.push(`${op.method} ${op.path} as ${caller}: ${res.status} ${text.slice(0, 200)}`);
        if (secrets.slice(1).some((s) => text.includes(s)) && res.status < 300) {
          failures.push(`${op.method} ${op.path} as ${caller}: answer holds org A's data`);
        }
      }
      rows.push(`| ${op.method} ${op.path} | ${cells.join(" | ")} |`);
    }
    console.info(
      [
        `| operation | ${CALLERS.join(" | ")} |`,
        `| --- | ${CALLERS.map(() => "---").join(" | ")} |`,
        ...rows,
      ].join("\n"),
    );
    expect(failures).toEqual([]);
  }, 120_000);

  it("lists, searches and reads of org B show none of org A's rows", async () => {
    const ops = operationsOf(doc).filter(
      (op) =>
        op.authenticated &&
        (op.method === "GET" || op.path.endsWith("/search")) &&
        op.pathParams.every(
          (p) => p.name === "agent_id" || (p.name === "id" && op.path.startsWith("/v1/agents/")),
        ),
    );
    expect(ops.length).toBeGreaterThan(8);
    const leaks: string[] = [];
    for (const op of ops) {
      let path = op.path;
      for (const p of op.pathParams) path = path.replace(`{${p.name}}`, bAgent);
      const body = op.path.endsWith("/search") ? { query: "tea coffee secret directive session" } : undefined;
      const res = await t.call(op.method, path, { token: b.token, body });
      const text = await res.text();
      for (const s of secrets) if (text.includes(s)) leaks.push(`${op.method} ${path}: ${s}`);
    }
    expect(leaks).toEqual([]);
  });

  it("refuses org A's agent on every RPC method to the same callers", async () => {
    const failures: string[] = [];
    for (const h of rpcHandlers()) {
      const method = h.method as DescMethod;
      // A valid request about org A's agent, session and memory: what is left to refuse is access.
      const values: Record<string, unknown> = {
        agent_id: ids.agent,
        session_id: "s-a",
        query: "tea",
        model: "gpt-4o",
        feedback: "positive",
        memory_ids: [ids.memory],
        messages: [{ role: "user", content: "hi" }],
      };
      const init = Object.fromEntries(
        method.input.fields.filter((f) => f.name in values).map((f) => [f.localName, values[f.name]]),
      );
      const message = toBinary(method.input, create(method.input, init));
      for (const caller of CALLERS) {
        const res = await t.app.request(h.requestPath, {
          method: "POST",
          headers: { "content-type": "application/proto", authorization: `Bearer ${tokens[caller]}` },
          body: message,
        });
        const code = res.status === 200 ? "ok" : ((await res.json()) as { code?: string }).code;
        console.info(`${h.requestPath} as ${caller}: ${res.status} ${code}`);
        if (!["not_found", "permission_denied", "unauthenticated"].includes(code ?? "")) {
          failures.push(`${h.requestPath} as ${caller}: ${res.status} ${code}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
