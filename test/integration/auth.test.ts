import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withOrg } from "../../src/db/tenant.js";
import { createTestApp, newOrg, newToken, problem, type TestApp } from "../support/app.js";

let t: TestApp;
let admin: string;
let orgId: string;

beforeAll(async () => {
  t = await createTestApp();
  ({ token: admin, orgId } = await newOrg(t, "auth-org"));
});
afterAll(() => t.close());

describe("bearer authentication", () => {
  it("answers 401 with WWW-Authenticate when the token is missing", async () => {
    const res = await t.call("GET", "/v1/orgs/me");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await problem(res)).code).toBe("UNAUTHENTICATED");
  });

  it.each([
    ["garbage", "hello"],
    ["wrong prefix", `xx_pat_${"0".repeat(32)}_${"A".repeat(43)}`],
    ["unknown id", `eg_pat_${"0".repeat(32)}_${"A".repeat(43)}`],
  ])("answers 401 for a %s token", async (_l, token) => {
    const res = await t.call("GET", "/v1/orgs/me", { token });
    expect(res.status).toBe(401);
  });

  it("answers 401 when the secret is wrong for a real token id", async () => {
    const real = await newToken(t, admin, { preset: "read-only" });
    const forged = `${real.token.slice(0, real.token.length - 43)}${"B".repeat(43)}`;
    expect((await t.call("GET", "/v1/orgs/me", { token: forged })).status).toBe(401);
    expect((await t.call("GET", "/v1/orgs/me", { token: real.token })).status).toBe(200);
  });

  it("answers 401 for a pat token presented as a service token", async () => {
    const real = await newToken(t, admin, { preset: "read-only" });
    const swapped = real.token.replace("eg_pat_", "eg_svc_");
    expect((await t.call("GET", "/v1/orgs/me", { token: swapped })).status).toBe(401);
  });

  it("rejects an expired token", async () => {
    const tok = await newToken(t, admin, { preset: "read-only" });
    await withOrg(t.sql, orgId, (tx) =>
      tx.query("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", [tok.id]),
    );
    const fresh = t.sibling();
    const res = await fresh.call("GET", "/v1/orgs/me", { token: tok.token });
    expect(res.status).toBe(401);
  });

  it("refuses tokens of a suspended organisation", async () => {
    const org = await newOrg(t, "suspended-org");
    await withOrg(t.sql, org.orgId, (tx) =>
      tx.query("UPDATE orgs SET status = 'suspended' WHERE id = $1", [org.orgId]),
    );
    const res = await t.sibling().call("GET", "/v1/orgs/me", { token: org.token });
    expect(res.status).toBe(403);
  });
});

describe("revocation", () => {
  it("is immediate in the process that revoked", async () => {
    const tok = await newToken(t, admin, { preset: "read-only" });
    expect((await t.call("GET", "/v1/orgs/me", { token: tok.token })).status).toBe(200);
    expect(
      (await t.call("DELETE", `/v1/tokens/${tok.id}`, { token: admin, body: { reason: "leaked" } })).status,
    ).toBe(200);
    expect((await t.call("GET", "/v1/orgs/me", { token: tok.token })).status).toBe(401);
  });

  it("reaches another process within the 1 s cache TTL", async () => {
    const other = t.sibling();
    const tok = await newToken(t, admin, { preset: "read-only" });
    expect((await other.call("GET", "/v1/orgs/me", { token: tok.token })).status).toBe(200);
    await t.call("DELETE", `/v1/tokens/${tok.id}`, { token: admin });
    other.clock.advance(999);
    // Still inside the TTL the sibling may answer from its cache; at 1 s it must not.
    other.clock.advance(1);
    expect((await other.call("GET", "/v1/orgs/me", { token: tok.token })).status).toBe(401);
  });
});

describe("rate limits", () => {
  it("answers 429 with Retry-After past the per-token limit, then recovers", async () => {
    const app = await createTestApp({ RATE_LIMIT_TOKEN_PER_MINUTE: "5" });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await app.call("GET", "/v1/orgs/me", { token: app.rootToken })).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
      const limited = await app.call("GET", "/v1/orgs/me", { token: app.rootToken });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect((await problem(limited)).code).toBe("RESOURCE_EXHAUSTED");
      app.clock.advance(120_000);
      expect((await app.call("GET", "/v1/orgs/me", { token: app.rootToken })).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe("last_used_at", () => {
  it("is recorded after use", async () => {
    const tok = await newToken(t, admin, { preset: "read-only" });
    await t.call("GET", "/v1/orgs/me", { token: tok.token });
    const { rows } = await withOrg(t.sql, orgId, (tx) =>
      tx.query<{ last_used_at: unknown }>("SELECT last_used_at FROM api_tokens WHERE id = $1", [tok.id]),
    );
    expect(rows[0]?.last_used_at).not.toBeNull();
  });
});
