import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const token = (env as unknown as { ENGRAM_TEST_ADMIN_TOKEN: string }).ENGRAM_TEST_ADMIN_TOKEN;
const call = (path: string, init: RequestInit = {}) =>
  exports.default.fetch(new Request(`http://engram.test${path}`, init));
const auth = { authorization: `Bearer ${token}` };

describe("the Worker in workerd", () => {
  it("answers /health and /ready against the real database", async () => {
    const health = await call("/health");
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await call("/ready");
    expect(ready.status).toBe(200);
  });

  it("creates and lists agents with the bootstrap token", async () => {
    const created = await call("/v1/agents", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ name: "Edge agent", slug: "edge-agent" }),
    });
    expect(created.status).toBe(201);
    const agent = (await created.json()) as { id: string };
    const list = await call("/v1/agents", { headers: auth });
    expect(list.status).toBe(200);
    const page = (await list.json()) as { items: { id: string }[] };
    expect(page.items.map((a) => a.id)).toContain(agent.id);
  });

  it("rejects a bad token with problem+json", async () => {
    const res = await call("/v1/agents", { headers: { authorization: "Bearer nope" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });
});
