import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestApp,
  insertSession,
  newAgent,
  newOrg,
  newToken,
  problem,
  type TestApp,
} from "../support/app.js";

let t: TestApp;
let admin: string;
let orgId: string;

beforeAll(async () => {
  t = await createTestApp();
  ({ token: admin, orgId } = await newOrg(t, "agents-org"));
});
afterAll(() => t.close());

describe("POST /v1/agents", () => {
  it("creates an agent with default config", async () => {
    const res = await t.call("POST", "/v1/agents", {
      token: admin,
      body: { name: "Support", slug: "support" },
    });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({
      name: "Support",
      slug: "support",
      status: "active",
      config: { memory_extraction_enabled: true, max_memories_per_context: 20, memory_scope: "agent" },
      total_sessions: 0,
    });
  });

  it("answers 409 on a duplicate slug in the same org", async () => {
    await newAgent(t, admin, "dup");
    const res = await t.call("POST", "/v1/agents", { token: admin, body: { name: "again", slug: "dup" } });
    expect(res.status).toBe(409);
    expect((await problem(res)).code).toBe("CONFLICT");
  });

  it("allows the same slug in another org", async () => {
    const other = await newOrg(t, "agents-other");
    const res = await t.call("POST", "/v1/agents", { token: other.token, body: { name: "x", slug: "dup" } });
    expect(res.status).toBe(201);
  });

  it.each([
    ["upper case", "Bad"],
    ["spaces", "a b"],
    ["underscore", "a_b"],
    ["empty", ""],
    ["too long", "a".repeat(101)],
  ])("rejects a slug with %s", async (_label, slug) => {
    const res = await t.call("POST", "/v1/agents", { token: admin, body: { name: "n", slug } });
    expect(res.status).toBe(400);
    expect((await problem(res)).errors?.map((e) => e.path)).toContain("slug");
  });

  it("rejects unknown fields and bad config values", async () => {
    const res = await t.call("POST", "/v1/agents", {
      token: admin,
      body: { name: "n", slug: "cfg", config: { max_memories_per_context: 0, nope: 1 }, extra: true },
    });
    expect(res.status).toBe(400);
    const paths = (await problem(res)).errors?.map((e) => e.path) ?? [];
    expect(paths).toEqual(
      expect.arrayContaining(["extra", "config.nope", "config.max_memories_per_context"]),
    );
  });

  it("needs agent:write", async () => {
    const ro = await newToken(t, admin, { preset: "read-only" });
    const res = await t.call("POST", "/v1/agents", { token: ro.token, body: { name: "n", slug: "ro" } });
    expect(res.status).toBe(403);
    expect((await problem(res)).code).toBe("PERMISSION_DENIED");
  });
});

describe("GET /v1/agents", () => {
  it("pages with a cursor, newest first, without repeats", async () => {
    const org = await newOrg(t, "paging-org");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await newAgent(t, org.token, `p${i}`)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : "";
      const res = await t.call("GET", `/v1/agents?limit=2${q}`, { token: org.token });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: { id: string }[]; next_cursor: string | null };
      seen.push(...page.items.map((a) => a.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  it("filters by status", async () => {
    const a = await newAgent(t, admin, "to-pause");
    await t.call("POST", `/v1/agents/${a.id}/pause`, { token: admin });
    const res = await t.call("GET", "/v1/agents?status=paused&limit=100", { token: admin });
    const page = (await res.json()) as { items: { id: string; status: string }[] };
    expect(page.items.map((x) => x.id)).toContain(a.id);
    expect(page.items.every((x) => x.status === "paused")).toBe(true);
  });

  it("rejects limit out of range and a forged cursor", async () => {
    expect((await t.call("GET", "/v1/agents?limit=0", { token: admin })).status).toBe(400);
    expect((await t.call("GET", "/v1/agents?limit=101", { token: admin })).status).toBe(400);
    expect((await t.call("GET", "/v1/agents?cursor=not-a-cursor", { token: admin })).status).toBe(400);
  });
});

describe("GET/PATCH /v1/agents/{id}", () => {
  it("reads and updates name and config, keeping other config keys", async () => {
    const a = await newAgent(t, admin, "patchme");
    const res = await t.call("PATCH", `/v1/agents/${a.id}`, {
      token: admin,
      body: { name: "Renamed", config: { memory_scope: "org" } },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      name: "Renamed",
      slug: "patchme",
      config: { memory_scope: "org", max_memories_per_context: 20 },
    });
    const got = await (await t.call("GET", `/v1/agents/${a.id}`, { token: admin })).json();
    expect(got).toEqual(body);
  });

  it("refuses to change the slug", async () => {
    const a = await newAgent(t, admin, "fixed-slug");
    const res = await t.call("PATCH", `/v1/agents/${a.id}`, { token: admin, body: { slug: "other" } });
    expect(res.status).toBe(400);
    expect((await problem(res)).errors?.[0]?.path).toBe("slug");
  });

  it("answers 404 for an unknown id and 400 for a malformed one", async () => {
    expect(
      (await t.call("GET", "/v1/agents/0190a1b2-0000-7000-8000-000000000000", { token: admin })).status,
    ).toBe(404);
    expect((await t.call("GET", "/v1/agents/not-a-uuid", { token: admin })).status).toBe(400);
  });
});

describe("agent lifecycle", () => {
  it("pauses, activates and archives; archived is terminal", async () => {
    const a = await newAgent(t, admin, "lifecycle");
    const step = async (action: string) => t.call("POST", `/v1/agents/${a.id}/${action}`, { token: admin });
    expect((await (await step("pause")).json()).status).toBe("paused");
    expect((await (await step("pause")).json()).status).toBe("paused");
    expect((await (await step("activate")).json()).status).toBe("active");
    expect((await (await step("archive")).json()).status).toBe("archived");
    const res = await step("activate");
    expect(res.status).toBe(409);
    expect((await problem(res)).code).toBe("FAILED_PRECONDITION");
    expect((await step("pause")).status).toBe(409);
    expect((await step("archive")).status).toBe(200);
  });
});

describe("DELETE /v1/agents/{id}", () => {
  it("deletes an agent without sessions and frees its slug", async () => {
    const a = await newAgent(t, admin, "deleteme");
    expect((await t.call("DELETE", `/v1/agents/${a.id}`, { token: admin })).status).toBe(204);
    expect((await t.call("GET", `/v1/agents/${a.id}`, { token: admin })).status).toBe(404);
    expect((await t.call("DELETE", `/v1/agents/${a.id}`, { token: admin })).status).toBe(404);
    await newAgent(t, admin, "deleteme");
  });

  it("revokes the tokens bound to a deleted agent at once", async () => {
    const a = await newAgent(t, admin, "bound-then-deleted");
    const bound = await newToken(t, admin, { preset: "read-only", agent_id: a.id });
    expect((await t.call("GET", `/v1/agents/${a.id}`, { token: bound.token })).status).toBe(200);
    expect((await t.call("DELETE", `/v1/agents/${a.id}`, { token: admin })).status).toBe(204);
    expect((await t.call("GET", "/v1/orgs/me", { token: bound.token })).status).toBe(401);
  });

  it("refuses to delete an agent that has sessions", async () => {
    const a = await newAgent(t, admin, "has-sessions");
    await insertSession(t, orgId, a.id);
    const res = await t.call("DELETE", `/v1/agents/${a.id}`, { token: admin });
    expect(res.status).toBe(409);
    expect((await problem(res)).code).toBe("FAILED_PRECONDITION");
    expect((await t.call("GET", `/v1/agents/${a.id}`, { token: admin })).status).toBe(200);
  });
});

describe("agent-restricted tokens", () => {
  it("see and touch only their own agent", async () => {
    const mine = await newAgent(t, admin, "mine");
    const other = await newAgent(t, admin, "not-mine");
    const bound = await newToken(t, admin, { preset: "operator", agent_id: mine.id });
    const list = (await (await t.call("GET", "/v1/agents?limit=100", { token: bound.token })).json()) as {
      items: { id: string }[];
    };
    expect(list.items.map((a) => a.id)).toEqual([mine.id]);
    expect((await t.call("GET", `/v1/agents/${mine.id}`, { token: bound.token })).status).toBe(200);
    expect((await t.call("GET", `/v1/agents/${other.id}`, { token: bound.token })).status).toBe(404);
    expect((await t.call("POST", `/v1/agents/${other.id}/pause`, { token: bound.token })).status).toBe(404);
    expect(
      (await t.call("POST", "/v1/agents", { token: bound.token, body: { name: "n", slug: "sneaky" } }))
        .status,
    ).toBe(403);
  });
});

describe("audit", () => {
  it("records agent changes with the acting token and no content", async () => {
    const a = await newAgent(t, admin, "audited");
    await t.call("POST", `/v1/agents/${a.id}/pause`, { token: admin });
    const { rows } = await t.sql.query<{ action: string; actor: string }>(
      "SELECT action, actor FROM audit_log WHERE target = $1 ORDER BY id",
      [a.id],
    );
    expect(rows.map((r) => r.action)).toEqual(["agent.create", "agent.pause"]);
  });
});
