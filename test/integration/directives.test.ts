import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withOrg } from "../../src/db/tenant.js";
import { createTestApp, newAgent, newOrg, newToken, problem, type TestApp } from "../support/app.js";
import { assembleRequest } from "../support/assemble.js";

let t: TestApp;
let org: { orgId: string; token: string };
let other: { orgId: string; token: string };
let agent: string;

const path = (suffix = "", a = agent) => `/v1/agents/${a}/directive${suffix}`;
const SECRET_TEXT = "You are Marlowe, the concierge. Codeword: tangerine-47.";

beforeAll(async () => {
  t = await createTestApp();
  org = await newOrg(t, "directive-org");
  other = await newOrg(t, "directive-other");
  agent = (await newAgent(t, org.token, "concierge")).id;
});
afterAll(() => t.close());

describe("directive versions", () => {
  it("404s before the first write, then every PUT is a new immutable version", async () => {
    expect((await t.call("GET", path(), { token: org.token })).status).toBe(404);
    const v1 = await (
      await t.call("PUT", path(), { token: org.token, body: { content: "Be brief." } })
    ).json();
    expect(v1).toMatchObject({
      version_num: 1,
      content: "Be brief.",
      active: true,
      injection_mode: "system_first",
    });
    expect(v1.content_hash).toMatch(/^[0-9a-f]{64}$/);
    const v2 = await (
      await t.call("PUT", path(), {
        token: org.token,
        body: { content: SECRET_TEXT, injection_mode: "system_append" },
      })
    ).json();
    expect(v2).toMatchObject({ version_num: 2, active: true, injection_mode: "system_append" });
    const same = await (
      await t.call("PUT", path(), { token: org.token, body: { content: SECRET_TEXT } })
    ).json();
    expect(same.version_num).toBe(3);
    expect(await (await t.call("GET", path(), { token: org.token })).json()).toMatchObject({
      version_num: 3,
    });
    const one = await (await t.call("GET", path("/versions/1"), { token: org.token })).json();
    expect(one).toMatchObject({ version_num: 1, content: "Be brief.", active: false });
  });

  it("lists versions newest first with a cursor", async () => {
    const page = await (await t.call("GET", path("/versions?limit=2"), { token: org.token })).json();
    expect(page.items.map((v: { version_num: number }) => v.version_num)).toEqual([3, 2]);
    const rest = await (
      await t.call("GET", path(`/versions?limit=2&cursor=${page.next_cursor}`), { token: org.token })
    ).json();
    expect(rest.items.map((v: { version_num: number }) => v.version_num)).toEqual([1]);
    expect(rest.next_cursor).toBeNull();
  });

  it("rollback moves the pointer only; delete clears it and keeps the versions", async () => {
    const back = await (
      await t.call("POST", path("/rollback"), { token: org.token, body: { version_num: 1 } })
    ).json();
    expect(back).toMatchObject({ version_num: 1, active: true });
    expect(await (await t.call("GET", path(), { token: org.token })).json()).toMatchObject({
      version_num: 1,
      content: "Be brief.",
    });
    const count = await withOrg(t.sql, org.orgId, (tx) =>
      tx.query<{ n: number }>("SELECT count(*)::int AS n FROM directive_versions WHERE org_id = $1", [
        org.orgId,
      ]),
    );
    expect(count.rows[0]?.n).toBe(3);
    expect(
      (await t.call("POST", path("/rollback"), { token: org.token, body: { version_num: 9 } })).status,
    ).toBe(404);
    expect((await t.call("DELETE", path(), { token: org.token })).status).toBe(204);
    expect((await t.call("GET", path(), { token: org.token })).status).toBe(404);
    expect((await t.call("DELETE", path(), { token: org.token })).status).toBe(404);
    expect((await t.call("GET", path("/versions/2"), { token: org.token })).status).toBe(200);
  });

  it("rejects content over 32,768 characters, empty content and unknown fields with 400", async () => {
    for (const body of [{ content: "x".repeat(32_769) }, { content: "" }, { content: "ok", extra: 1 }]) {
      const res = await t.call("PUT", path(), { token: org.token, body });
      expect(res.status).toBe(400);
      expect((await problem(res)).code).toBe("INVALID_ARGUMENT");
    }
    const max = await t.call("PUT", path(), { token: org.token, body: { content: "x".repeat(32_768) } });
    expect(max.status).toBe(200);
  });

  it("needs directive:write to change and directive:read to read", async () => {
    const reader = await newToken(t, org.token, { preset: "read-only" });
    expect((await t.call("GET", path(), { token: reader.token })).status).toBe(200);
    expect((await t.call("PUT", path(), { token: reader.token, body: { content: "no" } })).status).toBe(403);
    const gateway = await newToken(t, org.token, { preset: "gateway" });
    expect((await t.call("GET", path(), { token: gateway.token })).status).toBe(403);
  });

  it("another org gets 404 on every directive route and changes nothing", async () => {
    const h = { token: other.token };
    expect((await t.call("GET", path(), h)).status).toBe(404);
    expect((await t.call("PUT", path(), { ...h, body: { content: "pwned" } })).status).toBe(404);
    expect((await t.call("DELETE", path(), h)).status).toBe(404);
    expect((await t.call("GET", path("/versions"), h)).status).toBe(404);
    expect((await t.call("GET", path("/versions/1"), h)).status).toBe(404);
    expect((await t.call("POST", path("/rollback"), { ...h, body: { version_num: 1 } })).status).toBe(404);
    const cur = await (await t.call("GET", path(), { token: org.token })).json();
    expect(cur.content).not.toBe("pwned");
  });

  it("audits changes with the hash, never the text, and never logs the text", async () => {
    const { rows } = await withOrg(t.sql, org.orgId, (tx) =>
      tx.query<{ action: string; details: unknown }>(
        "SELECT action, details FROM audit_log WHERE org_id = $1 AND action LIKE 'directive.%'",
        [org.orgId],
      ),
    );
    expect(rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(["directive.update", "directive.rollback", "directive.delete"]),
    );
    expect(JSON.stringify(rows)).not.toContain("tangerine");
    expect(t.logs.join("\n")).not.toContain("tangerine");
  });
});

describe("directive freshness for the assembler", () => {
  it("another process or isolate sees a change within 1 s (cache TTL); this one at once", async () => {
    const { assembleContext } = await import("../../src/context/assemble.js");
    const { verifyToken } = await import("../../src/auth/verify-token.js");
    const a = (await newAgent(t, org.token, "fresh-agent")).id;
    await t.call("PUT", `/v1/agents/${a}/directive`, { token: org.token, body: { content: "Version one." } });
    const isolate = t.sibling();
    const principal = await verifyToken(
      { sql: t.sql, pepper: t.services.pepper, cache: isolate.services.tokenCache, clock: isolate.clock },
      org.token,
    );
    const assemble = () =>
      assembleContext(
        { ...isolate.services, config: { ...isolate.services.config, CONTEXT_DEADLINE_MS: 2000 } },
        principal,
        assembleRequest(a, { options: { skipColdMemories: true, skipHotMemories: true } }),
      );
    expect((await assemble()).assembledContext).toContain("Version one.");
    // Written through the first app: the other isolate's cache still holds version one…
    await t.call("PUT", `/v1/agents/${a}/directive`, { token: org.token, body: { content: "Version two." } });
    isolate.clock.advance(999);
    expect((await assemble()).assembledContext).toContain("Version one.");
    // …for at most 1 s.
    isolate.clock.advance(1);
    expect((await assemble()).assembledContext).toContain("Version two.");
  });
});
