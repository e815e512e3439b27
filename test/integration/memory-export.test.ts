import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withOrg } from "../../src/db/tenant.js";
import { CSV_COLUMNS } from "../../src/memory/export/export-format.js";
import { EXPORT_LINK_TTL_S } from "../../src/memory/export/export-memories.js";
import { createTestApp, newAgent, newOrg, newToken, problem, type TestApp } from "../support/app.js";

let t: TestApp;
let org: { orgId: string; token: string };
let agent: string;
let other: { orgId: string; token: string };

const path = (suffix = "", a = agent) => `/v1/agents/${a}/memories${suffix}`;

interface ExportJob {
  id: string;
  status: string;
  count: number | null;
  bytes: number | null;
  sha256: string | null;
  download_url: string | null;
  error: string | null;
}

async function startExport(body: unknown, token = org.token, a = agent): Promise<Response> {
  return t.call("POST", path("/export", a), { token, body });
}

/** Fetches a download link through the app (its origin is the test's). */
async function download(url: string): Promise<Response> {
  const u = new URL(url);
  return t.call("GET", `${u.pathname}${u.search}`);
}

beforeAll(async () => {
  t = await createTestApp();
  org = await newOrg(t, "export-org");
  other = await newOrg(t, "export-other");
  agent = (await newAgent(t, org.token, "export-agent")).id;
  const items = [
    { content: 'Prefers "dark" mode, always', category: "preference", tags: ["ui", "theme"] },
    { content: '=HYPERLINK("http://evil.example")\nsecond line', category: "factual" },
    { content: "Works at Globex, in Lisbon", category: "factual", metadata: { k: "v,1" } },
  ];
  for (const body of items) {
    const res = await t.call("POST", path(), { token: org.token, body });
    expect(res.status).toBe(201);
  }
});
afterAll(() => t.close());

describe("POST /memories/export", () => {
  it("writes a small JSON lines export inline (201) and serves it through a signed link", async () => {
    const res = await startExport({});
    expect(res.status).toBe(201);
    const job = (await res.json()) as ExportJob;
    expect(res.headers.get("location")).toBe(path(`/export/${job.id}`));
    expect(job).toMatchObject({ status: "succeeded", count: 3, error: null });
    expect(job.download_url).toMatch(/\/downloads\/exports\/.+signature=[0-9a-f]{64}/);

    const file = await download(job.download_url ?? "");
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toContain("application/x-ndjson");
    expect(file.headers.get("content-disposition")).toContain(`.jsonl"`);
    expect(file.headers.get("cache-control")).toBe("private, no-store");
    const bytes = new Uint8Array(await file.arrayBuffer());
    expect(bytes.length).toBe(job.bytes);
    const digest = Buffer.from(await crypto.subtle.digest("SHA-256", bytes)).toString("hex");
    expect(digest).toBe(job.sha256);
    const lines = new TextDecoder().decode(bytes).trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    const rows = lines.map((l) => JSON.parse(l));
    expect(rows.map((r) => r.content)).toContain('=HYPERLINK("http://evil.example")\nsecond line');
    for (const r of rows) {
      expect(r).not.toHaveProperty("embedding");
      expect(r.agent_id).toBe(agent);
    }
  });

  it("writes CSV with a header, quoting and formula neutralising", async () => {
    const job = (await (await startExport({ format: "csv" })).json()) as ExportJob;
    const file = await download(job.download_url ?? "");
    expect(file.headers.get("content-type")).toContain("text/csv");
    const text = await file.text();
    expect(text.startsWith(`${CSV_COLUMNS.join(",")}\r\n`)).toBe(true);
    expect(text).toContain('"Prefers ""dark"" mode, always"');
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"")\nsecond line"`);
    expect(text).toContain("theme|ui");
    expect(text).toContain('"{""k"":""v,1""}"');
  });

  it("applies the list filters", async () => {
    const job = (await (await startExport({ category: "preference", tag: "ui" })).json()) as ExportJob;
    expect(job.count).toBe(1);
    const none = (await (await startExport({ category: "episodic" })).json()) as ExportJob;
    expect(none).toMatchObject({ status: "succeeded", count: 0 });
    expect(await (await download(none.download_url ?? "")).text()).toBe("");
  });

  it("runs a large export in the background (202) and the job reports it when done", async () => {
    const big = (await newAgent(t, org.token, "export-big")).id;
    await seedMemories(big, 1_001);
    const res = await startExport({ format: "jsonl" }, org.token, big);
    expect(res.status).toBe(202);
    const started = (await res.json()) as ExportJob;
    expect(started).toMatchObject({ status: "running", download_url: null });
    // The test app awaits deferred work before answering, so the next poll sees it finished.
    const job = (await (
      await t.call("GET", path(`/export/${started.id}`, big), { token: org.token })
    ).json()) as ExportJob;
    expect(job).toMatchObject({ status: "succeeded", count: 1_001 });
    const text = await (await download(job.download_url ?? "")).text();
    expect(text.trimEnd().split("\n")).toHaveLength(1_001);
  });

  it("audits the export without memory content", async () => {
    await startExport({ format: "csv" });
    const { rows } = await withOrg(t.sql, org.orgId, (tx) =>
      tx.query<{ details: unknown }>(
        "SELECT details FROM audit_log WHERE org_id = $1 AND action = 'memory.export'",
        [org.orgId],
      ),
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain("Globex");
  });

  it("needs memory:export; a read-only token gets 403", async () => {
    const reader = await newToken(t, org.token, { preset: "read-only" });
    const res = await startExport({}, reader.token);
    expect(res.status).toBe(403);
    expect((await problem(res)).code).toBe("PERMISSION_DENIED");
  });

  it.each([[{ format: "xml" }], [{ status: "gone" }], [{ extra: 1 }], [{ created_after: "yesterday" }]])(
    "rejects %j with 400",
    async (body) => {
      const res = await startExport(body);
      expect(res.status).toBe(400);
      expect((await problem(res)).code).toBe("INVALID_ARGUMENT");
    },
  );

  it("another org can neither start, read nor download an export", async () => {
    expect((await startExport({}, other.token)).status).toBe(404);
    const job = (await (await startExport({})).json()) as ExportJob;
    expect((await t.call("GET", path(`/export/${job.id}`), { token: other.token })).status).toBe(404);
    // The same job id under the other org's id: the signature does not cover it.
    const u = new URL(job.download_url ?? "");
    u.searchParams.set("org", other.orgId);
    expect((await download(u.toString())).status).toBe(403);
  });
});

describe("download links", () => {
  it("refuse a tampered signature, job id or expiry with 403", async () => {
    const job = (await (await startExport({})).json()) as ExportJob;
    const u = new URL(job.download_url ?? "");
    const sig = u.searchParams.get("signature") ?? "";
    const bad = new URL(u);
    bad.searchParams.set("signature", `${sig.slice(0, -1)}${sig.endsWith("0") ? "1" : "0"}`);
    expect((await download(bad.toString())).status).toBe(403);
    const later = new URL(u);
    later.searchParams.set("expires", String(Number(u.searchParams.get("expires")) + 3600));
    expect((await download(later.toString())).status).toBe(403);
    const malformed = new URL(u);
    malformed.searchParams.set("signature", "not-hex");
    expect((await download(malformed.toString())).status).toBe(400);
  });

  it("expire after 15 minutes; polling the job issues a fresh one", async () => {
    const job = (await (await startExport({})).json()) as ExportJob;
    t.clock.advance((EXPORT_LINK_TTL_S + 1) * 1000);
    const res = await download(job.download_url ?? "");
    expect(res.status).toBe(403);
    expect((await problem(res)).code).toBe("PERMISSION_DENIED");
    const fresh = (await (
      await t.call("GET", path(`/export/${job.id}`), { token: org.token })
    ).json()) as ExportJob;
    expect((await download(fresh.download_url ?? "")).status).toBe(200);
  });

  it("an unknown job answers 404 to its owner", async () => {
    const res = await t.call("GET", path("/export/0190a0c0-0000-7000-8000-000000000000"), {
      token: org.token,
    });
    expect(res.status).toBe(404);
  });
});

/** Inserts memories straight into the table (the write pipeline is not under test here). */
async function seedMemories(agentId: string, n: number): Promise<void> {
  await withOrg(t.sql, org.orgId, (tx) =>
    tx.query(
      `INSERT INTO memories (id, org_id, agent_id, content, content_hash, category, source, status, embedding, embedding_model)
       SELECT gen_random_uuid(), $1, $2, 'seeded memory ' || i, encode(sha256(('seeded ' || i)::bytea), 'hex'), 'factual', 'imported', 'active',
              NULL, 'engram-local-v1'
         FROM generate_series(1, $3::int) AS i`,
      [org.orgId, agentId, n],
    ),
  );
}
