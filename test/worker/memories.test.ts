import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const token = (env as unknown as { ENGRAM_TEST_ADMIN_TOKEN: string }).ENGRAM_TEST_ADMIN_TOKEN;
const call = (path: string, init: RequestInit = {}) =>
  exports.default.fetch(new Request(`http://engram.test${path}`, init));
const json = (method: string, body: unknown) => ({
  method,
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("the memory pipeline in workerd", () => {
  it("redacts, stores, de-duplicates and finds memories through the bundled Worker", async () => {
    const agent = (await (
      await call("/v1/agents", json("POST", { name: "Edge memories", slug: "edge-memories" }))
    ).json()) as {
      id: string;
    };
    const created = await call(
      `/v1/agents/${agent.id}/memories`,
      json("POST", { content: "The user's sommelier is reachable at wine@example.com", category: "factual" }),
    );
    expect(created.status).toBe(201);
    const body = (await created.json()) as { outcome: string; memory: { id: string; content: string } };
    expect(body.memory.content).toBe("The user's sommelier is reachable at [EMAIL]");
    const dup = await call(
      `/v1/agents/${agent.id}/memories`,
      json("POST", {
        content: "the user's sommelier is reachable at other@example.org",
        category: "factual",
      }),
    );
    expect(dup.status).toBe(200);
    const found = (await (
      await call(`/v1/agents/${agent.id}/memories/search`, json("POST", { query: "who is the sommelier?" }))
    ).json()) as {
      items: { memory: { id: string } }[];
    };
    expect(found.items[0]?.memory.id).toBe(body.memory.id);
  });
});

describe("memory export in workerd", () => {
  it("writes the file to R2 and serves it through the signed link", async () => {
    const agent = (await (
      await call("/v1/agents", json("POST", { name: "Edge export", slug: "edge-export" }))
    ).json()) as { id: string };
    for (const content of ["Likes green tea", "Lives in Porto, Portugal"]) {
      const res = await call(
        `/v1/agents/${agent.id}/memories`,
        json("POST", { content, category: "factual" }),
      );
      expect(res.status).toBe(201);
    }
    const started = await call(`/v1/agents/${agent.id}/memories/export`, json("POST", { format: "csv" }));
    expect(started.status).toBe(201);
    const job = (await started.json()) as { status: string; count: number; download_url: string };
    expect(job).toMatchObject({ status: "succeeded", count: 2 });
    const url = new URL(job.download_url);
    const file = await call(`${url.pathname}${url.search}`);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toContain("text/csv");
    const text = await file.text();
    expect(text).toContain('"Lives in Porto, Portugal"');
    expect(text.split("\r\n").filter(Boolean)).toHaveLength(3);
  });
});
