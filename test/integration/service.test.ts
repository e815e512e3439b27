import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newAgent, newOrg, newToken, type TestApp } from "../support/app.js";

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("health, readiness and documents", () => {
  it("/health is always ok and /ready checks the database and migrations", async () => {
    expect(await (await t.call("GET", "/health")).json()).toEqual({ status: "ok" });
    const ready = await t.call("GET", "/ready");
    expect(ready.status).toBe(200);
    expect((await ready.json()).checks).toEqual({ database: "ok", migrations: "ok" });
  });

  it("/ready answers 503 when a migration is missing", async () => {
    await t.sql.query("CREATE TEMP TABLE IF NOT EXISTS _saved AS SELECT * FROM schema_migrations");
    await t.sql.query("DELETE FROM schema_migrations WHERE name = (SELECT max(name) FROM schema_migrations)");
    try {
      const res = await t.call("GET", "/ready");
      expect(res.status).toBe(503);
      expect((await res.json()).checks.migrations).toBe("pending");
    } finally {
      await t.sql.query("INSERT INTO schema_migrations SELECT * FROM _saved ON CONFLICT DO NOTHING");
    }
  });

  it("serves the OpenAPI 3.1 document with every management route and bearer auth", async () => {
    const doc = await (await t.call("GET", "/openapi.json")).json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/orgs",
        "/v1/orgs/me",
        "/v1/users",
        "/v1/users/{id}",
        "/v1/agents",
        "/v1/agents/{id}",
        "/v1/agents/{id}/activate",
        "/v1/agents/{id}/pause",
        "/v1/agents/{id}/archive",
        "/v1/tokens",
        "/v1/tokens/{id}",
      ]),
    );
    expect(doc.components.securitySchemes.bearerAuth.scheme).toBe("bearer");
    expect(doc.components.schemas.Problem).toBeDefined();
  });

  it("serves the reference UI and the error code pages", async () => {
    expect(await (await t.call("GET", "/docs")).text()).toContain("/openapi.json");
    const errors = await (await t.call("GET", "/errors")).text();
    for (const code of ["invalid_argument", "unauthenticated", "not_found", "internal"]) {
      expect(errors).toContain(`id="${code}"`);
    }
  });
});

describe("logs", () => {
  it("write one JSON line per request with route, status and ids, and never a secret", async () => {
    const { token } = await newOrg(t, "log-org");
    const minted = await newToken(t, token, { preset: "operator" });
    await newAgent(t, minted.token, "log-agent");
    await t.call("GET", "/v1/agents", { token: `${minted.token.slice(0, -3)}xyz` });
    const lines = t.logs.map((l) => JSON.parse(l));
    const req = lines.filter((l) => l.msg === "request");
    expect(req.length).toBeGreaterThanOrEqual(4);
    expect(req.find((l) => l.route === "/v1/agents" && l.status === 201)).toMatchObject({
      method: "POST",
      token_id: minted.id,
    });
    const all = t.logs.join("\n");
    for (const secret of [t.rootToken, token, minted.token, minted.token.slice(-43), t.services.pepper]) {
      expect(all).not.toContain(secret);
    }
  });
});
