import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newOrg, newToken, problem, type TestApp } from "../support/app.js";

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("POST /v1/orgs", () => {
  it("onboards an org with an owner and returns a working admin token once", async () => {
    const res = await t.call("POST", "/v1/orgs", {
      token: t.rootToken,
      body: { name: "Acme", slug: "acme", tier: "pro", owner: { email: "ceo@acme.test", name: "Ceo" } },
    });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.org).toMatchObject({ name: "Acme", slug: "acme", tier: "pro", status: "active" });
    expect(body.org.settings).toEqual({ session_retention_days: 90, max_agents: null });
    expect(body.admin_token.scopes).not.toContain("platform:admin");
    expect(body.admin_token.user_id).not.toBeNull();
    const me = await (await t.call("GET", "/v1/orgs/me", { token: body.admin_token.token })).json();
    expect(me.id).toBe(body.org.id);
    const users = await (await t.call("GET", "/v1/users", { token: body.admin_token.token })).json();
    expect(users.items).toMatchObject([{ email: "ceo@acme.test", role: "owner" }]);
  });

  it("needs platform:admin, which org admins do not have", async () => {
    const org = await newOrg(t, "plain-org");
    const res = await t.call("POST", "/v1/orgs", { token: org.token, body: { name: "x", slug: "x-org" } });
    expect(res.status).toBe(403);
    const { rows } = await t.sql.query("SELECT 1 FROM orgs WHERE slug = 'x-org'");
    expect(rows).toHaveLength(0);
  });

  it("answers 409 for a taken slug and 400 for a bad one", async () => {
    await newOrg(t, "taken");
    expect(
      (await t.call("POST", "/v1/orgs", { token: t.rootToken, body: { name: "t", slug: "taken" } })).status,
    ).toBe(409);
    const bad = await t.call("POST", "/v1/orgs", { token: t.rootToken, body: { name: "t", slug: "Not OK" } });
    expect(bad.status).toBe(400);
  });

  it("audits the onboarding in both orgs", async () => {
    const org = await newOrg(t, "audited-org");
    const { rows } = await t.sql.query<{ org_id: string; action: string }>(
      "SELECT org_id, action FROM audit_log WHERE target = $1 ORDER BY action",
      [org.orgId],
    );
    expect(rows).toEqual([
      { org_id: org.orgId, action: "org.create" },
      { org_id: t.rootOrgId, action: "org.onboard" },
    ]);
  });
});

describe("/v1/orgs/me", () => {
  it("is readable by any token of the org and editable with org:admin", async () => {
    const org = await newOrg(t, "me-org");
    const ro = await newToken(t, org.token, { preset: "read-only" });
    expect((await t.call("GET", "/v1/orgs/me", { token: ro.token })).status).toBe(200);
    expect((await t.call("PATCH", "/v1/orgs/me", { token: ro.token, body: { name: "no" } })).status).toBe(
      403,
    );
    const res = await t.call("PATCH", "/v1/orgs/me", {
      token: org.token,
      body: { name: "Renamed", settings: { session_retention_days: 30 } },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      name: "Renamed",
      slug: "me-org",
      settings: { session_retention_days: 30 },
    });
  });

  it("rejects settings out of range and read-only fields", async () => {
    const org = await newOrg(t, "me-org-2");
    const res = await t.call("PATCH", "/v1/orgs/me", {
      token: org.token,
      body: { settings: { session_retention_days: 0 }, slug: "new" },
    });
    expect(res.status).toBe(400);
    const paths = (await problem(res)).errors?.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["slug", "settings.session_retention_days"]));
  });
});
