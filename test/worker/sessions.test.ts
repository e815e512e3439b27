import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const token = (env as unknown as { ENGRAM_TEST_ADMIN_TOKEN: string }).ENGRAM_TEST_ADMIN_TOKEN;
const call = (path: string, init: RequestInit = {}) =>
  exports.default.fetch(new Request(`http://engram.test${path}`, init));
const json = (method: string, body?: unknown) => ({
  method,
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

async function jobStatus(id: string): Promise<string> {
  const job = (await (await call(`/v1/jobs/${id}`, json("GET"))).json()) as { status: string };
  return job.status;
}

/** Polls until the job settles (it runs after the response, on waitUntil or the cron). */
async function settled(id: string, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await jobStatus(id);
    if (status === "succeeded" || status === "dead" || Date.now() > until) return status;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("sessions and jobs in workerd", () => {
  it("appends turns, completes the session and extracts its memories after the response", async () => {
    const agent = (await (
      await call("/v1/agents", json("POST", { name: "Edge sessions", slug: "edge-sessions" }))
    ).json()) as { id: string };
    const base = `/v1/agents/${agent.id}/sessions/edge-conv-1`;
    const appended = await call(
      `${base}/messages`,
      json("POST", {
        idempotency_key: "k-1",
        messages: [
          { role: "user", content: "I'm allergic to hazelnuts and I live in Geneva." },
          { role: "assistant", content: "Thank you, I'll remember that." },
        ],
      }),
    );
    expect(appended.status).toBe(200);
    expect(((await appended.json()) as { session: { message_count: number } }).session.message_count).toBe(2);
    const done = await call(`${base}/complete`, json("POST"));
    expect(done.status).toBe(202);
    const { job_ids } = (await done.json()) as { job_ids: string[] };
    // Extraction, then the transcript's archive (into the R2 binding).
    expect(job_ids).toHaveLength(2);
    for (const id of job_ids) expect(await settled(id)).toBe("succeeded");
    // The archive, through the link Engram signs (R2 cannot pre-sign). The stored bytes go
    // out gzipped once, as labelled: fetch decodes them to the NDJSON (sent re-compressed,
    // it would hand back gzip bytes instead).
    const archive = (await (await call(`${base}/archive`, json("GET"))).json()) as {
      download_url: string;
      message_count: number;
    };
    expect(archive.message_count).toBe(2);
    const link = new URL(archive.download_url);
    const download = await call(`${link.pathname}${link.search}`);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-encoding")).toBe("gzip");
    const text = await download.text();
    expect(text.startsWith('{"format":"engram.session.v1"')).toBe(true);
    expect(text.split("\n").filter(Boolean)).toHaveLength(3);
    const list = (await (
      await call(`/v1/agents/${agent.id}/memories?source=extracted`, json("GET"))
    ).json()) as { items: { content: string }[] };
    expect(list.items.length).toBeGreaterThan(0);
  });

  it("answers 404 on the delivery webhook without QStash", async () => {
    const res = await call("/v1/jobs/deliver", { method: "POST", body: "{}" });
    expect(res.status).toBe(404);
  });
});
