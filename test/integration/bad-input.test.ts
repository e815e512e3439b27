import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newOrg, problem, type TestApp } from "../support/app.js";

let t: TestApp;
let admin: string;

beforeAll(async () => {
  t = await createTestApp({ MAX_BODY_BYTES: "4096" });
  ({ token: admin } = await newOrg(t, "bad-input"));
});
afterAll(() => t.close());

async function agentCount(): Promise<number> {
  const { rows } = await t.sql.query<{ n: unknown }>("SELECT count(*) AS n FROM agents");
  return Number(rows[0]?.n);
}

describe("bad input on write endpoints", () => {
  const cases: [string, { body: string; headers?: Record<string, string> }, number][] = [
    ["malformed JSON", { body: '{"name":' }, 400],
    ["a JSON array", { body: "[]" }, 400],
    ["a JSON string", { body: '"x"' }, 400],
    ["null", { body: "null" }, 400],
    ["wrong types", { body: JSON.stringify({ name: 5, slug: ["x"] }) }, 400],
    ["unknown fields", { body: JSON.stringify({ name: "n", slug: "s", admin: true }) }, 400],
    [
      "a non-JSON content type",
      { body: "name=x", headers: { "content-type": "application/x-www-form-urlencoded" } },
      415,
    ],
    ["an oversized body", { body: JSON.stringify({ name: "x".repeat(10_000), slug: "big" }) }, 413],
    ["unicode junk in the slug", { body: JSON.stringify({ name: "n", slug: "ѕlug\u0000" }) }, 400],
    ["SQL in the slug", { body: JSON.stringify({ name: "n", slug: "x'; DROP TABLE agents; --" }) }, 400],
    ["a name over 255 chars", { body: JSON.stringify({ name: "n".repeat(256), slug: "long-name" }) }, 400],
  ];

  it.each(cases)("%s gets a problem+json 4xx and writes nothing", async (_label, req, status) => {
    const before = await agentCount();
    const res = await t.call("POST", "/v1/agents", { token: admin, body: req.body, headers: req.headers });
    expect(res.status).toBe(status);
    const p = await problem(res);
    expect(p.status).toBe(status);
    expect(p.requestId).toBeTruthy();
    expect(await agentCount()).toBe(before);
  });

  it("a bad query parameter is a 400, not a 500", async () => {
    for (const q of ["limit=abc", "limit=-1", "status=deleted", "limit=1e9"]) {
      const res = await t.call("GET", `/v1/agents?${q}`, { token: admin });
      expect(res.status).toBe(400);
    }
  });

  it("an unknown route is a problem+json 404", async () => {
    const res = await t.call("GET", "/v1/nothing-here", { token: admin });
    expect(res.status).toBe(404);
    expect((await problem(res)).code).toBe("NOT_FOUND");
  });
});

describe("request ids", () => {
  it("echoes a sane X-Request-Id and replaces an unsafe one", async () => {
    const ok = await t.call("GET", "/health", { headers: { "x-request-id": "abc-123" } });
    expect(ok.headers.get("x-request-id")).toBe("abc-123");
    const bad = await t.call("GET", "/health", { headers: { "x-request-id": "<script>" } });
    expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const err = await t.call("GET", "/v1/agents", { headers: { "x-request-id": "trace-me" } });
    expect((await problem(err)).requestId).toBe("trace-me");
  });
});
