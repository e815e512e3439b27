import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newAgent, newOrg, newToken, problem, type TestApp } from "../support/app.js";

let t: TestApp;
let admin: string;

beforeAll(async () => {
  t = await createTestApp();
  ({ token: admin } = await newOrg(t, "tokens-org"));
});
afterAll(() => t.close());

describe("POST /v1/tokens", () => {
  it("returns the plaintext once, with the scopes of the preset", async () => {
    const res = await t.call("POST", "/v1/tokens", {
      token: admin,
      body: { name: "gw", kind: "service", preset: "gateway" },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json();
    expect(body.token).toMatch(/^eg_svc_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(body.token.startsWith(body.prefix)).toBe(true);
    expect(body.scopes).toEqual(["memory:read", "session:write", "context:assemble"]);
    const list = await (await t.call("GET", "/v1/tokens?limit=100", { token: admin })).json();
    const listed = list.items.find((x: { id: string }) => x.id === body.id);
    expect(listed).toBeDefined();
    expect(JSON.stringify(list)).not.toContain(body.token);
    expect(listed).not.toHaveProperty("token");
  });

  it("accepts explicit scopes", async () => {
    const tok = await newToken(t, admin, { scopes: ["agent:read"] });
    expect((await t.call("GET", "/v1/agents", { token: tok.token })).status).toBe(200);
    expect(
      (await t.call("POST", "/v1/agents", { token: tok.token, body: { name: "n", slug: "n" } })).status,
    ).toBe(403);
  });

  it("needs exactly one of preset or scopes", async () => {
    for (const body of [{ name: "x" }, { name: "x", preset: "admin", scopes: ["agent:read"] }]) {
      const res = await t.call("POST", "/v1/tokens", { token: admin, body });
      expect(res.status).toBe(400);
    }
    const unknown = await t.call("POST", "/v1/tokens", {
      token: admin,
      body: { name: "x", scopes: ["root"] },
    });
    expect(unknown.status).toBe(400);
  });

  it("cannot grant scopes the creator does not hold", async () => {
    const limited = await newToken(t, admin, { scopes: ["token:create", "agent:read"] });
    const res = await t.call("POST", "/v1/tokens", {
      token: limited.token,
      body: { name: "up", preset: "admin" },
    });
    expect(res.status).toBe(403);
    const ok = await t.call("POST", "/v1/tokens", {
      token: limited.token,
      body: { name: "same", scopes: ["agent:read"] },
    });
    expect(ok.status).toBe(201);
    const platform = await t.call("POST", "/v1/tokens", {
      token: admin,
      body: { name: "p", scopes: ["platform:admin"] },
    });
    expect(platform.status).toBe(403);
  });

  it("binds a token to an agent of the org only", async () => {
    const a = await newAgent(t, admin, "bound-agent");
    const bound = await newToken(t, admin, { preset: "read-only", agent_id: a.id });
    const view = await (await t.call("GET", "/v1/tokens?limit=100", { token: admin })).json();
    expect(view.items.find((x: { id: string }) => x.id === bound.id).agent_id).toBe(a.id);
    const missing = await t.call("POST", "/v1/tokens", {
      token: admin,
      body: { name: "x", preset: "read-only", agent_id: "0190a1b2-0000-7000-8000-000000000000" },
    });
    expect(missing.status).toBe(404);
  });

  it("refuses an expiry in the past and user_id on service tokens", async () => {
    const past = await t.call("POST", "/v1/tokens", {
      token: admin,
      body: { name: "x", preset: "read-only", expires_at: "2001-01-01T00:00:00Z" },
    });
    expect(past.status).toBe(400);
    expect((await problem(past)).errors?.[0]?.path).toBe("expires_at");
    const svc = await t.call("POST", "/v1/tokens", {
      token: admin,
      body: {
        name: "x",
        kind: "service",
        preset: "gateway",
        user_id: "0190a1b2-0000-7000-8000-000000000000",
      },
    });
    expect(svc.status).toBe(400);
  });

  it("expires a token at expires_at", async () => {
    const at = new Date(t.clock.now() + 60_000).toISOString();
    const tok = await newToken(t, admin, { preset: "read-only", expires_at: at });
    const other = t.sibling();
    other.clock.advance(30_000);
    expect((await other.call("GET", "/v1/orgs/me", { token: tok.token })).status).toBe(200);
    other.clock.advance(31_000);
    expect((await other.call("GET", "/v1/orgs/me", { token: tok.token })).status).toBe(401);
  });
});

describe("DELETE /v1/tokens/{id}", () => {
  it("revokes with a reason, idempotently, and hides revoked tokens by default", async () => {
    const tok = await newToken(t, admin, { preset: "read-only" });
    const first = await (
      await t.call("DELETE", `/v1/tokens/${tok.id}`, { token: admin, body: { reason: "rotated" } })
    ).json();
    expect(first.revoked_at).not.toBeNull();
    expect(first.revoked_reason).toBe("rotated");
    const again = await (
      await t.call("DELETE", `/v1/tokens/${tok.id}`, { token: admin, body: { reason: "other" } })
    ).json();
    expect(again.revoked_at).toBe(first.revoked_at);
    expect(again.revoked_reason).toBe("rotated");
    const active = await (await t.call("GET", "/v1/tokens?limit=100", { token: admin })).json();
    expect(active.items.map((x: { id: string }) => x.id)).not.toContain(tok.id);
    const all = await (
      await t.call("GET", "/v1/tokens?limit=100&include_revoked=true", { token: admin })
    ).json();
    expect(all.items.map((x: { id: string }) => x.id)).toContain(tok.id);
  });

  it("needs token:revoke and answers 404 for unknown ids", async () => {
    const ro = await newToken(t, admin, { preset: "read-only" });
    expect((await t.call("DELETE", `/v1/tokens/${ro.id}`, { token: ro.token })).status).toBe(403);
    expect(
      (await t.call("DELETE", "/v1/tokens/0190a1b2-0000-7000-8000-000000000000", { token: admin })).status,
    ).toBe(404);
  });

  it("audits creation and revocation", async () => {
    const tok = await newToken(t, admin, { preset: "read-only" });
    await t.call("DELETE", `/v1/tokens/${tok.id}`, { token: admin });
    const { rows } = await t.sql.query<{ action: string; details: Record<string, unknown> }>(
      "SELECT action, details FROM audit_log WHERE target = $1 ORDER BY id",
      [tok.id],
    );
    expect(rows.map((r) => r.action)).toEqual(["token.create", "token.revoke"]);
    expect(JSON.stringify(rows)).not.toContain(tok.token.slice(-43));
  });
});
