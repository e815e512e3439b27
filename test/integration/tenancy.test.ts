import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withOrg } from "../../src/db/tenant.js";
import { createTestApp, newAgent, newOrg, newToken, type TestApp } from "../support/app.js";

let t: TestApp;
let a: { orgId: string; token: string };
let b: { orgId: string; token: string };
let ids: { agent: string; user: string; token: string; job: string };

beforeAll(async () => {
  t = await createTestApp();
  a = await newOrg(t, "tenant-a");
  b = await newOrg(t, "tenant-b");
  const agent = await newAgent(t, a.token, "secret-agent");
  const user = await (
    await t.call("POST", "/v1/users", { token: a.token, body: { email: "x@a.test" } })
  ).json();
  const token = await newToken(t, a.token, { preset: "read-only" });
  await t.call("POST", `/v1/agents/${agent.id}/sessions/s-a/messages`, {
    token: a.token,
    body: { messages: [{ role: "user", content: "I live in Oslo." }] },
  });
  await t.call("POST", `/v1/agents/${agent.id}/sessions/s-done/messages`, {
    token: a.token,
    body: { messages: [{ role: "user", content: "I live in Bergen." }] },
  });
  const done = await (
    await t.call("POST", `/v1/agents/${agent.id}/sessions/s-done/complete`, { token: a.token })
  ).json();
  ids = { agent: agent.id, user: user.id, token: token.id, job: done.job_ids[0] };
  // Org B owns rows of every kind too, so "sees none of A" is never vacuously true.
  const bAgent = await newAgent(t, b.token, "b-agent");
  await t.call("POST", `/v1/agents/${bAgent.id}/sessions/s-b/messages`, {
    token: b.token,
    body: { messages: [{ role: "user", content: "I live in Rome." }] },
  });
  await t.call("POST", `/v1/agents/${bAgent.id}/sessions/s-b/complete`, { token: b.token });
  await t.call("POST", "/v1/users", { token: b.token, body: { email: "y@b.test" } });
});
afterAll(() => t.close());

describe("org B's admin token against org A's resources", () => {
  const matrix: [string, string, () => string, unknown?][] = [
    ["GET", "agent", () => `/v1/agents/${ids.agent}`],
    ["PATCH", "agent", () => `/v1/agents/${ids.agent}`, { name: "pwned" }],
    ["DELETE", "agent", () => `/v1/agents/${ids.agent}`],
    ["DELETE", "agent purge", () => `/v1/agents/${ids.agent}?purge=true`],
    ["DELETE", "org purge", () => `/v1/orgs/${a.orgId}?confirm=${a.orgId}`],
    ["POST", "agent activate", () => `/v1/agents/${ids.agent}/activate`],
    ["POST", "agent pause", () => `/v1/agents/${ids.agent}/pause`],
    ["POST", "agent archive", () => `/v1/agents/${ids.agent}/archive`],
    ["GET", "user", () => `/v1/users/${ids.user}`],
    ["PATCH", "user", () => `/v1/users/${ids.user}`, { name: "pwned" }],
    ["DELETE", "user", () => `/v1/users/${ids.user}`],
    ["DELETE", "token", () => `/v1/tokens/${ids.token}`],
    ["GET", "sessions", () => `/v1/agents/${ids.agent}/sessions`],
    ["GET", "session", () => `/v1/agents/${ids.agent}/sessions/s-a`],
    [
      "POST",
      "session messages",
      () => `/v1/agents/${ids.agent}/sessions/s-a/messages`,
      { messages: [{ role: "user", content: "pwned" }] },
    ],
    ["POST", "session complete", () => `/v1/agents/${ids.agent}/sessions/s-a/complete`],
    ["DELETE", "session", () => `/v1/agents/${ids.agent}/sessions/s-a`],
    ["GET", "session archive", () => `/v1/agents/${ids.agent}/sessions/s-done/archive`],
    ["GET", "job", () => `/v1/jobs/${ids.job}`],
    ["POST", "job replay", () => `/v1/jobs/${ids.job}/replay`],
  ];

  it.each(matrix)("%s %s answers 404 and changes nothing", async (method, _what, path, body) => {
    const before = await snapshot();
    const res = await t.call(method, path(), { token: b.token, body });
    expect(res.status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ["/v1/agents?limit=100", "agents"],
    ["/v1/users?limit=100", "users"],
    ["/v1/tokens?limit=100&include_revoked=true", "tokens"],
    ["/v1/jobs?limit=100", "jobs"],
  ])("list %s shows none of org A's rows", async (path) => {
    const res = await t.call("GET", path, { token: b.token });
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const id of [ids.agent, ids.user, ids.token, ids.job, a.orgId]) expect(text).not.toContain(id);
  });

  it("GET /v1/orgs/me returns only the caller's org", async () => {
    const me = await (await t.call("GET", "/v1/orgs/me", { token: b.token })).json();
    expect(me.id).toBe(b.orgId);
  });

  it("cannot bind a new token to org A's agent", async () => {
    const res = await t.call("POST", "/v1/tokens", {
      token: b.token,
      body: { name: "x", preset: "read-only", agent_id: ids.agent },
    });
    expect(res.status).toBe(404);
  });
});

describe("row-level security alone", () => {
  it.each(["agents", "users", "api_tokens", "audit_log", "orgs", "sessions", "session_messages", "jobs"])(
    "a query on %s with no org filter, scoped to org B, sees none of org A",
    async (table) => {
      const rows = await withOrg(
        t.sql,
        b.orgId,
        async (tx) => (await tx.query(`SELECT * FROM ${table}`)).rows,
      );
      expect(JSON.stringify(rows)).not.toContain(a.orgId);
      expect(rows.length).toBeGreaterThan(0);
    },
  );

  it("cross-org maintenance sees exactly the tables its purpose names", async () => {
    const { withMaintenance } = await import("../../src/db/tenant.js");
    const jobs = await withMaintenance(
      t.sql,
      "jobs",
      async (tx) => (await tx.query("SELECT org_id FROM jobs")).rows,
    );
    expect(JSON.stringify(jobs)).toContain(a.orgId);
    for (const table of ["sessions", "memories", "agents", "api_tokens"]) {
      const rows = await withMaintenance(
        t.sql,
        "jobs",
        async (tx) => (await tx.query(`SELECT * FROM ${table}`)).rows,
      );
      expect(rows).toEqual([]);
    }
    const sessions = await withMaintenance(
      t.sql,
      "sessions",
      async (tx) => (await tx.query("SELECT org_id FROM sessions")).rows,
    );
    expect(JSON.stringify(sessions)).toContain(a.orgId);
    for (const table of ["jobs", "session_messages", "memories"]) {
      const rows = await withMaintenance(
        t.sql,
        "sessions",
        async (tx) => (await tx.query(`SELECT * FROM ${table}`)).rows,
      );
      expect(rows).toEqual([]);
    }
  });

  it("the retention cursor is the retention purpose's alone: no tenant and no other purpose sees or moves it", async () => {
    const { withMaintenance } = await import("../../src/db/tenant.js");
    const read = (tx: { query: (q: string) => Promise<{ rows: unknown[] }> }) =>
      tx.query("SELECT last_org_id FROM retention_cursor").then((r) => r.rows);
    expect(await withMaintenance(t.sql, "retention", read)).toHaveLength(1);
    expect(await withMaintenance(t.sql, "jobs", read)).toEqual([]);
    expect(await withOrg(t.sql, b.orgId, read)).toEqual([]);
    const moved = await withOrg(t.sql, b.orgId, (tx) =>
      tx.query("UPDATE retention_cursor SET last_org_id = $1", [b.orgId]),
    );
    expect(moved.rowCount).toBe(0);
    await expect(
      withOrg(t.sql, b.orgId, (tx) => tx.query("INSERT INTO retention_cursor (id) VALUES (false)")),
    ).rejects.toMatchObject({ sqlState: "42501" });
    const { rows } = await t.sql.query<{ last_org_id: string | null }>(
      "SELECT last_org_id FROM retention_cursor",
    );
    expect(rows[0]?.last_org_id).not.toBe(b.orgId);
  });

  it("a purge's object ledger is visible to its own org only", async () => {
    const purge = "0190aa00-0000-7000-8000-0000000000a1";
    await t.sql.query(
      "INSERT INTO purges (id, org_id, scope, requester, status) VALUES ($1, $2, 'org', 'test', 'failed')",
      [purge, a.orgId],
    );
    await t.sql.query("INSERT INTO purge_objects (purge_id, key_sha256) VALUES ($1, repeat('a', 64))", [
      purge,
    ]);
    const ledger = (orgId: string) =>
      withOrg(t.sql, orgId, async (tx) => (await tx.query("SELECT purge_id FROM purge_objects")).rows);
    expect(await ledger(a.orgId)).toHaveLength(1);
    expect(await ledger(b.orgId)).toEqual([]);
    await expect(
      withOrg(t.sql, b.orgId, (tx) =>
        tx.query("INSERT INTO purge_objects (purge_id, key_sha256) VALUES ($1, repeat('b', 64))", [purge]),
      ),
    ).rejects.toMatchObject({ sqlState: "42501" });
    await t.sql.query("DELETE FROM purge_objects WHERE purge_id = $1", [purge]);
    await t.sql.query("DELETE FROM purges WHERE id = $1", [purge]);
  });

  it("an UPDATE with no org filter, scoped to org B, touches none of org A", async () => {
    await withOrg(t.sql, b.orgId, (tx) => tx.query("UPDATE agents SET name = 'rls-test'"));
    const got = await (await t.call("GET", `/v1/agents/${ids.agent}`, { token: a.token })).json();
    expect(got.name).toBe("secret-agent");
  });
});

async function snapshot() {
  const { rows } = await t.sql.query(
    `SELECT (SELECT json_agg(a ORDER BY id) FROM agents a WHERE org_id = $1) AS agents,
            (SELECT json_agg(u ORDER BY id) FROM users u WHERE org_id = $1) AS users,
            (SELECT json_agg(k.revoked_at ORDER BY id) FROM api_tokens k WHERE org_id = $1) AS tokens,
            (SELECT json_agg(s ORDER BY id) FROM sessions s WHERE org_id = $1) AS sessions,
            (SELECT count(*) FROM session_messages m WHERE org_id = $1) AS messages,
            (SELECT json_agg(j ORDER BY id) FROM jobs j WHERE org_id = $1) AS jobs`,
    [a.orgId],
  );
  return rows[0];
}
