import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3BlobStore } from "../../src/adapters/s3/blob-store.js";
import { archiveSession } from "../../src/archives/archive-session.js";
import { decodeKeySegment } from "../../src/archives/model.js";
import { pruneArchivedMessages } from "../../src/archives/prune-messages.js";
import { withOrg } from "../../src/db/tenant.js";
import { isAppError } from "../../src/lib/errors.js";
import { uuidv7 } from "../../src/lib/ids.js";
import { sweepIdleSessions } from "../../src/sessions/sweep-idle-sessions.js";
import { createTestApp, newAgent, newOrg, newToken, problem, type TestApp } from "../support/app.js";
import {
  archiveRow,
  archiveStore,
  rawGet,
  readArchiveBytes,
  type SwitchableStore,
} from "../support/archives.js";
import type { S3Server } from "../support/s3-server.js";
import { serveOnLoopback } from "../support/serve.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/**
 * The archives suite (ADR-0041): the `session.archive` job, the archive route and its
 * download, pruning and reading back, and session delete — on the embedded database
 * or the machine's PostgreSQL, with objects in memory or in a local S3 server.
 */
export function runArchivesSuite(database: "pglite" | "postgres", storeKind: "memory" | "s3"): void {
  describe(`archives on ${database} with ${storeKind === "s3" ? "S3" : "an in-memory store"}`, () => {
    let t: TestApp;
    let store: SwitchableStore;
    let s3: S3Server | null;
    let stopStore: () => Promise<void>;
    let admin: string;
    let orgId: string;
    let agent: string;
    let other: { orgId: string; token: string };
    let otherAgent: string;

    const base = (a: string, s: string) => `/v1/agents/${a}/sessions/${s}`;
    const turns = (n: number, tag = "t") =>
      Array.from({ length: n }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: `${tag}-${i}` }));

    async function append(sid: string, messages: unknown[], a = agent, token = admin) {
      const res = await t.call("POST", `${base(a, sid)}/messages`, { token, body: { messages } });
      expect(res.status).toBe(200);
      return res.json();
    }

    async function complete(sid: string, a = agent, token = admin) {
      const res = await t.call("POST", `${base(a, sid)}/complete`, { token });
      expect(res.status).toBe(202);
      return res.json() as Promise<{ job_ids: string[]; session: { session_uuid: string } }>;
    }

    /** A session with `n` turns, completed and its jobs run; returns its uuid. */
    async function archived(sid: string, n = 4, a = agent): Promise<string> {
      await append(sid, turns(n, sid), a);
      const done = await complete(sid, a);
      await t.jobWorker.drain();
      return done.session.session_uuid;
    }

    async function session(sid: string, query = "", a = agent) {
      const res = await t.call("GET", `${base(a, sid)}${query}`, { token: admin });
      expect(res.status).toBe(200);
      return res.json();
    }

    /** Pushes a session's last activity back, so the idle sweep abandons it. */
    async function idle(sid: string) {
      await withOrg(t.sql, orgId, (tx) =>
        tx.query(
          "UPDATE sessions SET last_activity_at = now() - interval '2 hours' WHERE org_id = $1 AND external_id = $2",
          [orgId, sid],
        ),
      );
      await sweepIdleSessions(t.services, 45);
    }

    const prune = (olderThan = new Date(Date.now() + 60_000), limit = 100) =>
      withOrg(t.sql, orgId, (tx) => pruneArchivedMessages(tx, orgId, olderThan, limit));

    const runArchive = (sessionUuid: string, a = agent) =>
      archiveSession(
        t.services,
        { jobId: uuidv7(), orgId, attempt: 1 },
        { agent_id: a, session_id: sessionUuid },
      );

    beforeAll(async () => {
      const s = await archiveStore(storeKind);
      ({ store, s3 } = s);
      stopStore = s.stop;
      t = await createTestApp({ JOB_RETRY_DELAYS_MS: "0,0,0" }, { database, blobs: store });
      ({ token: admin, orgId } = await newOrg(t, "archives-org"));
      agent = (await newAgent(t, admin, "archivist")).id;
      other = await newOrg(t, "archives-other");
      otherAgent = (await newAgent(t, other.token, "other-archivist")).id;
    });
    afterAll(async () => {
      await t?.close();
      await stopStore?.();
    });

    describe("the session.archive job", () => {
      it("writes gzipped NDJSON: the exact header and lines; bytes and sha256 are the stored object's", async () => {
        await append("conv-1", [
          {
            role: "user",
            content: 'I live in Lyon.\nSecond line, "quoted" ✓',
            created_at: "2026-11-30T10:00:00+01:00",
            metadata: { model: "gpt-4o", n: 1 },
          },
          { role: "assistant", content: "Noted." },
          { role: "tool", content: "{}" },
        ]);
        const done = await complete("conv-1");
        expect(done.job_ids).toHaveLength(2);
        await t.jobWorker.drain();
        const s = await session("conv-1");
        expect(s.status).toBe("completed");
        const row = await archiveRow(t, orgId, s.session_uuid);
        expect(row).toMatchObject({
          message_count: 3,
          content_encoding: "gzip",
          format_version: 1,
          archive_key: row?.object_key,
          status: "completed",
          archive_rows: 1,
        });
        const blob = await t.services.blobs.get(String(row?.object_key));
        expect(blob).not.toBeNull();
        expect(blob?.contentType).toBe("application/x-ndjson");
        expect(blob?.contentEncoding).toBe("gzip");
        expect(Number(row?.bytes)).toBe(blob?.body.length);
        expect(row?.sha256).toBe(sha256(blob?.body ?? new Uint8Array()));
        const { text } = await readArchiveBytes(blob?.body ?? new Uint8Array());
        const [m0, m1, m2] = s.messages;
        expect(text).toBe(
          [
            {
              format: "engram.session.v1",
              org_id: orgId,
              agent_id: agent,
              session_id: "conv-1",
              session_uuid: s.session_uuid,
              status: "completed",
              started_at: s.started_at,
              ended_at: s.completed_at,
              message_count: 3,
            },
            {
              seq: 0,
              role: "user",
              content: 'I live in Lyon.\nSecond line, "quoted" ✓',
              created_at: m0.received_at,
              sent_at: "2026-11-30T09:00:00.000Z",
              // As stored (jsonb orders keys).
              metadata: { n: 1, model: "gpt-4o" },
            },
            { seq: 1, role: "assistant", content: "Noted.", created_at: m1.received_at },
            { seq: 2, role: "tool", content: "{}", created_at: m2.received_at },
          ]
            .map((l) => `${JSON.stringify(l)}\n`)
            .join(""),
        );
        const job = await (await t.call("GET", `/v1/jobs/${done.job_ids[1]}`, { token: admin })).json();
        expect(job).toMatchObject({
          type: "session.archive",
          status: "succeeded",
          result: { messages: 3, bytes: blob?.body.length, from_archive: 0 },
        });
        expect(JSON.stringify(job.result)).not.toContain("Lyon");
      });

      it("keys the object {org}/{agent}/{YYYY}/{MM}/{session}.ndjson.gz, ':' encoded reversibly", async () => {
        const uuid = await archived("gw:conv:7.a_b-c", 2);
        const s = await session("gw:conv:7.a_b-c");
        const started = new Date(s.started_at);
        const yyyy = String(started.getUTCFullYear());
        const mm = String(started.getUTCMonth() + 1).padStart(2, "0");
        const row = await archiveRow(t, orgId, uuid);
        expect(row?.object_key).toBe(`${orgId}/${agent}/${yyyy}/${mm}/gw=3Aconv=3A7.a_b-c.ndjson.gz`);
        const segment =
          String(row?.object_key)
            .split("/")
            .at(-1)
            ?.replace(/\.ndjson\.gz$/, "") ?? "";
        expect(decodeKeySegment(segment)).toBe("gw:conv:7.a_b-c");
      });

      it("enqueues only the archive for an agent with extraction off, and archives its sessions", async () => {
        const quiet = (await newAgent(t, admin, "quiet-archivist")).id;
        await t.call("PATCH", `/v1/agents/${quiet}`, {
          token: admin,
          body: { config: { memory_extraction_enabled: false } },
        });
        await append("q-1", turns(2), quiet);
        const done = await complete("q-1", quiet);
        expect(done.job_ids).toHaveLength(1);
        await t.jobWorker.drain();
        expect(await archiveRow(t, orgId, done.session.session_uuid)).toMatchObject({ message_count: 2 });
      });

      it("is idempotent: a re-run writes the same object and the same row", async () => {
        const uuid = await archived("idem-1", 6);
        const first = await archiveRow(t, orgId, uuid);
        const bytes = (await t.services.blobs.get(String(first?.object_key)))?.body;
        for (let i = 0; i < 3; i++) {
          expect(await runArchive(uuid)).toEqual({
            messages: 6,
            bytes: Number(first?.bytes),
            from_archive: 0,
          });
        }
        const again = await archiveRow(t, orgId, uuid);
        expect(again).toEqual(first);
        expect((await t.services.blobs.get(String(first?.object_key)))?.body).toEqual(bytes);
      });

      it("re-archives a session reopened and ended again, with its new count", async () => {
        await append("reopen-2", turns(2, "a"));
        await idle("reopen-2");
        await t.jobWorker.drain();
        const uuid2 = (await session("reopen-2")).session_uuid;
        expect(await archiveRow(t, orgId, uuid2)).toMatchObject({ message_count: 2, status: "abandoned" });
        await append("reopen-2", turns(3, "b"));
        expect((await t.call("GET", `${base(agent, "reopen-2")}/archive`, { token: admin })).status).toBe(
          409,
        );
        // While active, a job of the earlier end changes nothing.
        expect(await runArchive(uuid2)).toMatchObject({ skipped: "session_active" });
        const done = await complete("reopen-2");
        await t.jobWorker.drain();
        const row = await archiveRow(t, orgId, uuid2);
        expect(row).toMatchObject({ message_count: 5, status: "completed", archive_rows: 1 });
        const parsed = await readArchiveBytes(
          (await t.services.blobs.get(String(row?.object_key)))?.body ?? new Uint8Array(),
        );
        expect(parsed.header).toMatchObject({ status: "completed", message_count: 5 });
        expect(parsed.messages.map((m) => m.content)).toEqual([
          ...turns(2, "a").map((m) => m.content),
          ...turns(3, "b").map((m) => m.content),
        ]);
        const jobs = await withOrg(t.sql, orgId, (tx) =>
          tx.query<{ dedup_key: string }>(
            "SELECT dedup_key FROM jobs WHERE org_id = $1 AND type = 'session.archive' AND payload->>'session_id' = $2 ORDER BY id",
            [orgId, uuid2],
          ),
        );
        expect(jobs.rows.map((r) => r.dedup_key)).toEqual([
          `session.archive:${uuid2}:2`,
          `session.archive:${uuid2}:5`,
        ]);
        expect(done.job_ids).toHaveLength(2);
      });

      it("is written within 5 s of completion by the running worker", async () => {
        await append("timed-1", turns(10, "timed"));
        t.jobWorker.start();
        try {
          const started = performance.now();
          const done = await complete("timed-1");
          let row = await archiveRow(t, orgId, done.session.session_uuid);
          while (!row?.object_key && performance.now() - started < 10_000) {
            await new Promise((r) => setTimeout(r, 10));
            row = await archiveRow(t, orgId, done.session.session_uuid);
          }
          expect(row?.message_count).toBe(10);
          expect(performance.now() - started).toBeLessThan(5_000);
        } finally {
          await t.jobWorker.stop();
        }
      });

      it("skips a session deleted before it ran, and removes an object written while it was deleted", async () => {
        await append("gone-1", turns(2));
        const done = await complete("gone-1");
        expect((await t.call("DELETE", base(agent, "gone-1"), { token: admin })).status).toBe(200);
        expect(await runArchive(done.session.session_uuid)).toMatchObject({ skipped: "session_gone" });
        await t.jobWorker.drain();
        const job = await (await t.call("GET", `/v1/jobs/${done.job_ids[1]}`, { token: admin })).json();
        expect(job).toMatchObject({ status: "succeeded", result: { skipped: "session_gone" } });
        expect(await store.list(`${orgId}/${agent}/`)).not.toContainEqual(expect.stringContaining("gone-1"));
      });

      it("writes again when the session is reopened and ended while its archive is being written", async () => {
        await append("race-1", turns(2, "first"));
        await idle("race-1");
        const uuid = (await session("race-1")).session_uuid;
        store.beforePut = async () => {
          await append("race-1", turns(2, "late"));
          await complete("race-1");
        };
        expect(await runArchive(uuid)).toEqual({ messages: 4, bytes: expect.any(Number), from_archive: 0 });
        const row = await archiveRow(t, orgId, uuid);
        expect(row).toMatchObject({ message_count: 4, status: "completed" });
        const parsed = await readArchiveBytes(
          (await store.get(String(row?.object_key)))?.body ?? new Uint8Array(),
        );
        expect(parsed.header).toMatchObject({ status: "completed", message_count: 4 });
        await t.jobWorker.drain();
      });

      it("removes what it wrote when the session is deleted while its archive is being written", async () => {
        await append("race-2", turns(2));
        const done = await complete("race-2");
        const s = await session("race-2");
        store.beforePut = async () => {
          expect((await t.call("DELETE", base(agent, "race-2"), { token: admin })).status).toBe(200);
        };
        expect(await runArchive(done.session.session_uuid)).toMatchObject({ skipped: "session_gone" });
        const month = s.started_at.slice(0, 7).replace("-", "/");
        expect(await store.get(`${orgId}/${agent}/${month}/race-2.ndjson.gz`)).toBeNull();
        await t.jobWorker.drain();
      });

      it("retries while object storage is down and then writes the archive; the session is untouched", async () => {
        await append("outage-1", turns(4, "outage"));
        const done = await complete("outage-1");
        let before: unknown;
        store.down = true;
        store.failures = 0;
        try {
          // Extraction and the archive's first attempt, which fails and waits for its retry.
          const ran = await t.jobWorker.drain(2);
          expect(ran).toMatchObject({ succeeded: 1, retry: 1 });
          const job = await (await t.call("GET", `/v1/jobs/${done.job_ids[1]}`, { token: admin })).json();
          expect(job).toMatchObject({ status: "failed", attempts: 1, last_error: "UNAVAILABLE" });
          expect(store.failures).toBeGreaterThan(0);
          before = await session("outage-1");
          expect(before).toMatchObject({ status: "completed", message_count: 4 });
          expect((await archiveRow(t, orgId, done.session.session_uuid))?.object_key).toBeNull();
        } finally {
          store.down = false;
        }
        await t.jobWorker.drain();
        const job = await (await t.call("GET", `/v1/jobs/${done.job_ids[1]}`, { token: admin })).json();
        expect(job.status).toBe("succeeded");
        expect(job.attempts).toBeGreaterThan(1);
        expect(await session("outage-1")).toEqual(before);
        const row = await archiveRow(t, orgId, done.session.session_uuid);
        expect(row).toMatchObject({ message_count: 4, status: "completed" });
        const parsed = await readArchiveBytes(
          (await store.get(String(row?.object_key)))?.body ?? new Uint8Array(),
        );
        expect(parsed.messages.map((m) => m.content)).toEqual(turns(4, "outage").map((m) => m.content));
      });

      it("dead-letters an outage that outlasts the retries; a replay once the store is back writes it", async () => {
        await append("outage-2", turns(2));
        const done = await complete("outage-2");
        const archiveJob = done.job_ids[1];
        store.down = true;
        try {
          await t.jobWorker.drain();
        } finally {
          store.down = false;
        }
        const dead = await (await t.call("GET", `/v1/jobs/${archiveJob}`, { token: admin })).json();
        expect(dead).toMatchObject({ status: "dead", attempts: 4, last_error: "UNAVAILABLE" });
        expect(dead.failures).toHaveLength(1);
        expect((await session("outage-2")).status).toBe("completed");
        expect((await t.call("POST", `/v1/jobs/${archiveJob}/replay`, { token: admin })).status).toBe(200);
        await t.jobWorker.drain();
        expect((await (await t.call("GET", `/v1/jobs/${archiveJob}`, { token: admin })).json()).status).toBe(
          "succeeded",
        );
        expect(await archiveRow(t, orgId, done.session.session_uuid)).toMatchObject({ message_count: 2 });
      });
    });

    describe("GET …/sessions/{session_id}/archive", () => {
      it("answers the archive's metadata and a 15-minute link that fetches the stored bytes", async () => {
        const uuid = await archived("link-1", 3);
        const row = await archiveRow(t, orgId, uuid);
        const res = await t.call("GET", `${base(agent, "link-1")}/archive`, { token: admin });
        expect(res.status).toBe(200);
        const body = await res.json();
        expect(body).toMatchObject({
          bytes: Number(row?.bytes),
          sha256: row?.sha256,
          message_count: 3,
          content_encoding: "gzip",
          format_version: 1,
        });
        const ttl = Date.parse(body.expires_at) - Date.now();
        expect(ttl).toBeGreaterThan(14 * 60_000);
        expect(ttl).toBeLessThanOrEqual(15 * 60_000 + 1_000);
        if (s3) {
          // The store pre-signs: the URL goes to the bucket, no token involved.
          expect(body.download_url.startsWith(`${s3.endpoint}/`)).toBe(true);
          expect(new URL(body.download_url).searchParams.get("X-Amz-Expires")).toBe("900");
          const got = await rawGet(body.download_url);
          expect(got.status).toBe(200);
          expect(got.headers["content-encoding"]).toBe("gzip");
          expect(sha256(got.body)).toBe(row?.sha256);
          const tampered = new URL(body.download_url);
          tampered.searchParams.set("X-Amz-Expires", "86400");
          expect((await rawGet(tampered.toString())).status).toBe(403);
        } else {
          const url = new URL(body.download_url);
          expect(url.pathname).toBe(`/downloads/archives/${uuid}`);
          const got = await t.call("GET", `${url.pathname}${url.search}`);
          expect(got.status).toBe(200);
          expect(got.headers.get("content-type")).toBe("application/x-ndjson");
          expect(got.headers.get("content-encoding")).toBe("gzip");
          expect(got.headers.get("content-disposition")).toBe('attachment; filename="link-1.ndjson.gz"');
          const bytes = new Uint8Array(await got.arrayBuffer());
          expect(sha256(bytes)).toBe(row?.sha256);
          expect((await readArchiveBytes(bytes)).header.session_id).toBe("link-1");
          // Over a real socket, as the Node server sends it: the stored bytes, not re-encoded.
          const server = await serveOnLoopback((req) => t.app.fetch(req));
          try {
            const wire = await rawGet(`${server.url}${url.pathname}${url.search}`);
            expect(wire.status).toBe(200);
            expect(wire.headers["content-encoding"]).toBe("gzip");
            expect(sha256(wire.body)).toBe(row?.sha256);
            // fetch decodes it as a browser would: the NDJSON.
            const decoded = await (await fetch(`${server.url}${url.pathname}${url.search}`)).text();
            expect(decoded.split("\n")[0]).toContain('"format":"engram.session.v1"');
          } finally {
            await server.stop();
          }
        }
        const audit = await withOrg(t.sql, orgId, (tx) =>
          tx.query(
            "SELECT 1 FROM audit_log WHERE org_id = $1 AND action = 'session.archive_link' AND target = $2",
            [orgId, uuid],
          ),
        );
        expect(audit.rows.length).toBeGreaterThan(0);
      });

      it.skipIf(storeKind === "s3")(
        "refuses a tampered, expired, foreign or malformed signed link",
        async () => {
          await archived("link-2", 2);
          const body = await (
            await t.call("GET", `${base(agent, "link-2")}/archive`, { token: admin })
          ).json();
          const url = new URL(body.download_url);
          const q = url.searchParams;
          const variant = (change: (p: URLSearchParams) => void) => {
            const p = new URLSearchParams(q);
            change(p);
            return `${url.pathname}?${p}`;
          };
          const flipped = (q.get("signature") ?? "").replace(/^./, (c) => (c === "0" ? "1" : "0"));
          for (const path of [
            variant((p) => p.set("signature", flipped)),
            variant((p) => p.set("expires", String(Number(q.get("expires")) + 3600))),
            variant((p) => p.set("org", other.orgId)),
            `/downloads/archives/${uuidv7()}?${q}`,
          ]) {
            const res = await t.call("GET", path);
            expect(res.status, path).toBe(403);
            expect((await problem(res)).code).toBe("PERMISSION_DENIED");
          }
          expect(
            (
              await t.call(
                "GET",
                variant((p) => p.set("signature", "xyz")),
              )
            ).status,
          ).toBe(400);
          expect((await t.call("GET", `/downloads/archives/not-a-uuid?${q}`)).status).toBe(400);
          // Fine now, refused once its 15 minutes are over.
          expect((await t.call("GET", `${url.pathname}${url.search}`)).status).toBe(200);
          t.clock.advance(15 * 60_000 + 1_000);
          try {
            const late = await t.call("GET", `${url.pathname}${url.search}`);
            expect(late.status).toBe(403);
          } finally {
            t.clock.advance(-(15 * 60_000 + 1_000));
          }
        },
      );

      it("answers 409 for an active session, 404 before the archive exists and for unknown or foreign ones", async () => {
        await append("active-1", turns(2));
        const active = await t.call("GET", `${base(agent, "active-1")}/archive`, { token: admin });
        expect(active.status).toBe(409);
        expect((await problem(active)).code).toBe("FAILED_PRECONDITION");
        await complete("active-1"); // jobs not run yet
        const pending = await t.call("GET", `${base(agent, "active-1")}/archive`, { token: admin });
        expect(pending.status).toBe(404);
        expect((await problem(pending)).code).toBe("NOT_FOUND");
        expect((await t.call("GET", `${base(agent, "nope")}/archive`, { token: admin })).status).toBe(404);
        await append("theirs-1", turns(2), otherAgent, other.token);
        await complete("theirs-1", otherAgent, other.token);
        await t.jobWorker.drain();
        expect(
          (await t.call("GET", `${base(otherAgent, "theirs-1")}/archive`, { token: other.token })).status,
        ).toBe(200);
        expect(
          (await t.call("GET", `${base(otherAgent, "theirs-1")}/archive`, { token: admin })).status,
        ).toBe(404);
        expect((await t.call("GET", `${base(agent, "bad!id")}/archive`, { token: admin })).status).toBe(400);
      });

      it("answers 403 without session:read and 404 to a token bound to another agent", async () => {
        await archived("scoped-1", 2);
        const writer = (await newToken(t, admin, { scopes: ["session:write"] })).token;
        const denied = await t.call("GET", `${base(agent, "scoped-1")}/archive`, { token: writer });
        expect(denied.status).toBe(403);
        expect((await problem(denied)).code).toBe("PERMISSION_DENIED");
        const elsewhere = (await newAgent(t, admin, "elsewhere")).id;
        const bound = (await newToken(t, admin, { scopes: ["session:read"], agent_id: elsewhere })).token;
        expect((await t.call("GET", `${base(agent, "scoped-1")}/archive`, { token: bound })).status).toBe(
          404,
        );
        const reader = (await newToken(t, admin, { scopes: ["session:read"], agent_id: agent })).token;
        expect((await t.call("GET", `${base(agent, "scoped-1")}/archive`, { token: reader })).status).toBe(
          200,
        );
        expect((await t.call("GET", `${base(agent, "scoped-1")}/archive`)).status).toBe(401);
      });
    });

    describe("pruning", () => {
      it("removes archived sessions' messages; the session reads back the same from the archive, paged alike", async () => {
        await append("prune-1", [
          { role: "user", content: "first", created_at: "2026-12-01T08:00:00Z", metadata: { k: 1 } },
          ...turns(6, "p"),
        ]);
        await complete("prune-1");
        await t.jobWorker.drain();
        const whole = await session("prune-1", "?limit=500");
        const pages: unknown[] = [];
        for (let after = -1; after !== null; ) {
          const page = await session("prune-1", `?limit=3&after_seq=${after}`);
          pages.push(page.messages);
          after = page.next_after_seq;
        }
        expect(whole.messages_source).toBe("database");
        expect(await prune()).toBeGreaterThanOrEqual(1);
        const row = await archiveRow(t, orgId, whole.session_uuid);
        expect(row?.held_messages).toBe(0);
        expect(row?.messages_pruned_at).not.toBeNull();
        const after = await session("prune-1", "?limit=500");
        expect(after).toEqual({ ...whole, messages_source: "archive" });
        const prunedPages: unknown[] = [];
        for (let seq = -1; seq !== null; ) {
          const page = await session("prune-1", `?limit=3&after_seq=${seq}`);
          expect(page.messages_source).toBe("archive");
          prunedPages.push(page.messages);
          seq = page.next_after_seq;
        }
        expect(prunedPages).toEqual(pages);
        expect(await prune()).toBe(0);
      });

      it("leaves alone active, unarchived, stale-archived, recent and not-yet-extracted sessions; keeps to the limit", async () => {
        const ids = async () => {
          const { rows } = await withOrg(t.sql, orgId, (tx) =>
            tx.query<{ external_id: string }>(
              "SELECT external_id FROM sessions WHERE org_id = $1 AND messages_pruned_at IS NOT NULL",
              [orgId],
            ),
          );
          return new Set(rows.map((r) => r.external_id));
        };
        await prune(); // whatever earlier tests left prunable
        await append("keep-active", turns(2));
        const stale = await archived("keep-stale", 2);
        const notExtracted = await archived("keep-unextracted", 2);
        await withOrg(t.sql, orgId, async (tx) => {
          await tx.query(
            "UPDATE session_archives SET message_count = 1 WHERE org_id = $1 AND session_id = $2",
            [orgId, stale],
          );
          await tx.query("UPDATE sessions SET last_extracted_turn = 0 WHERE org_id = $1 AND id = $2", [
            orgId,
            notExtracted,
          ]);
        });
        await archived("due-1", 2);
        await archived("due-2", 2);
        await archived("due-3", 2);
        // Completed, its jobs not run yet: no archive.
        await append("keep-unarchived", turns(2));
        await complete("keep-unarchived");
        expect(await prune(new Date(Date.now() - 24 * 3600_000))).toBe(0);
        expect(await prune(undefined, 2)).toBe(2);
        expect(await prune(undefined, 2)).toBe(1);
        expect(await prune()).toBe(0);
        const pruned = await ids();
        for (const sid of ["due-1", "due-2", "due-3"]) expect(pruned.has(sid), sid).toBe(true);
        for (const sid of ["keep-active", "keep-unarchived", "keep-stale", "keep-unextracted"]) {
          expect(pruned.has(sid), sid).toBe(false);
        }
        expect((await session("keep-unextracted")).messages_source).toBe("database");
      });

      it("keeps a pruned session whole when it is reopened: the new archive holds old and new turns", async () => {
        await append("again-1", turns(3, "old"));
        await idle("again-1");
        await t.jobWorker.drain();
        expect(await prune()).toBeGreaterThanOrEqual(1);
        await append("again-1", turns(2, "new"));
        const reopened = await session("again-1");
        expect(reopened).toMatchObject({ status: "active", message_count: 5, messages_source: "archive" });
        const contents = [...turns(3, "old"), ...turns(2, "new")].map((m) => m.content);
        expect(reopened.messages.map((m: { content: string }) => m.content)).toEqual(contents);
        expect(reopened.messages.map((m: { seq: number }) => m.seq)).toEqual([0, 1, 2, 3, 4]);
        const tail = await session("again-1", "?after_seq=2");
        expect(tail.messages_source).toBe("database");
        expect(tail.messages.map((m: { seq: number }) => m.seq)).toEqual([3, 4]);

        const done = await complete("again-1");
        await t.jobWorker.drain();
        const job = await (await t.call("GET", `/v1/jobs/${done.job_ids[1]}`, { token: admin })).json();
        expect(job.result).toMatchObject({ messages: 5, from_archive: 3 });
        const row = await archiveRow(t, orgId, done.session.session_uuid);
        expect(row).toMatchObject({ message_count: 5, held_messages: 2, messages_pruned_at: null });
        const parsed = await readArchiveBytes(
          (await store.get(String(row?.object_key)))?.body ?? new Uint8Array(),
        );
        expect(parsed.messages.map((m) => [m.seq, m.content])).toEqual(contents.map((c, i) => [i, c]));
        expect(await prune()).toBeGreaterThanOrEqual(1);
        const after = await session("again-1");
        expect(after.messages.map((m: { content: string }) => m.content)).toEqual(contents);
        expect((await archiveRow(t, orgId, done.session.session_uuid))?.held_messages).toBe(0);
      });

      it("never writes an archive with a gap: a store outage retries, a missing archive of the pruned turns dead-letters", async () => {
        await append("gap-1", turns(3, "old"));
        await idle("gap-1");
        await t.jobWorker.drain();
        expect(await prune()).toBeGreaterThanOrEqual(1);
        await append("gap-1", turns(2, "new"));
        const done = await complete("gap-1");
        const uuid = done.session.session_uuid;
        const before = await archiveRow(t, orgId, uuid);
        expect(before).toMatchObject({ message_count: 3, held_messages: 2 });
        const key = String(before?.object_key);

        store.down = true;
        try {
          await expect(runArchive(uuid)).rejects.toMatchObject({ code: "UNAVAILABLE", retryable: true });
        } finally {
          store.down = false;
        }
        // The object holding the pruned turns is gone (lost out of band).
        await store.delete(key);
        await expect(runArchive(uuid)).rejects.toMatchObject({ code: "INTERNAL", retryable: false });
        // Nothing written, nothing recorded: the row still describes the old archive.
        expect(await store.get(key)).toBeNull();
        expect(await archiveRow(t, orgId, uuid)).toMatchObject({
          message_count: 3,
          archive_key: before?.archive_key,
          held_messages: 2,
        });
        // The job goes to the dead letters for an operator at once.
        await t.jobWorker.drain();
        const job = await (await t.call("GET", `/v1/jobs/${done.job_ids[1]}`, { token: admin })).json();
        expect(job).toMatchObject({ type: "session.archive", status: "dead", last_error: "INTERNAL" });
        expect(job.attempts).toBe(1);
        expect(await store.get(key)).toBeNull();
      });

      it("answers 503 for pruned messages while object storage is down", async () => {
        await archived("dark-1", 2);
        await prune();
        store.down = true;
        try {
          const res = await t.call("GET", base(agent, "dark-1"), { token: admin });
          expect(res.status).toBe(503);
          expect((await problem(res)).code).toBe("UNAVAILABLE");
        } finally {
          store.down = false;
        }
        expect((await session("dark-1")).messages).toHaveLength(2);
      });

      it("logs a store failure's code, never its message: a filesystem error's holds the object's path", async () => {
        await archived("path-1", 2);
        await prune();
        const path = `/srv/engram/blobs/${orgId}/${agent}/2026/01/path-1.ndjson.gz`;
        store.downError = () =>
          Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: "EACCES", path });
        store.down = true;
        const from = t.logs.length;
        try {
          const res = await t.call("GET", base(agent, "path-1"), { token: admin });
          expect(res.status).toBe(503);
          expect(await res.text()).not.toContain("path-1");
        } finally {
          store.down = false;
          store.downError = null;
        }
        const failed = t.logs.slice(from).filter((l) => l.includes('"request failed"'));
        expect(failed).toHaveLength(1);
        expect(failed[0]).toContain("EACCES");
        for (const part of ["/srv/engram", "path-1", agent])
          expect(t.logs.slice(from).join("\n")).not.toContain(part);
      });
    });

    describe("DELETE …/sessions/{session_id}", () => {
      async function addEvents(sid: string, n: number) {
        await withOrg(t.sql, orgId, async (tx) => {
          for (let i = 0; i < n; i++) {
            await tx.query(
              "INSERT INTO assembly_events (id, org_id, agent_id, session_id, total_ms) VALUES ($1, $2, $3, $4, 1)",
              [uuidv7(), orgId, agent, sid],
            );
          }
        });
      }
      const eventsOf = async (sid: string) =>
        (
          await withOrg(t.sql, orgId, (tx) =>
            tx.query("SELECT 1 FROM assembly_events WHERE org_id = $1 AND session_id = $2", [orgId, sid]),
          )
        ).rows.length;

      it("removes the archive object, its row and the session's assembly events; others stay", async () => {
        const uuid = await archived("del-1", 2);
        await archived("del-keep", 2);
        await addEvents("del-1", 3);
        await addEvents("del-keep", 1);
        const key = String((await archiveRow(t, orgId, uuid))?.object_key);
        expect(await store.get(key)).not.toBeNull();
        const res = await t.call("DELETE", base(agent, "del-1"), { token: admin });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({
          deleted_messages: 2,
          deleted_memories: 0,
          deleted_events: 3,
          deleted_archive: true,
        });
        expect(await store.get(key)).toBeNull();
        expect(await archiveRow(t, orgId, uuid)).toBeUndefined();
        expect(await eventsOf("del-1")).toBe(0);
        expect(await eventsOf("del-keep")).toBe(1);
        const kept = await archiveRow(t, orgId, (await session("del-keep")).session_uuid);
        expect(await store.get(String(kept?.object_key))).not.toBeNull();
      });

      it("removes a pruned session's archive too", async () => {
        const uuid = await archived("del-pruned", 2);
        await prune();
        const key = String((await archiveRow(t, orgId, uuid))?.object_key);
        expect((await t.call("DELETE", base(agent, "del-pruned"), { token: admin })).status).toBe(200);
        expect(await store.get(key)).toBeNull();
      });

      it("fails with 503 and deletes nothing while object storage is down", async () => {
        const uuid = await archived("del-dark", 2);
        await addEvents("del-dark", 1);
        const before = await archiveRow(t, orgId, uuid);
        store.down = true;
        try {
          const res = await t.call("DELETE", base(agent, "del-dark"), { token: admin });
          expect(res.status).toBe(503);
          expect((await problem(res)).code).toBe("UNAVAILABLE");
        } finally {
          store.down = false;
        }
        expect(await archiveRow(t, orgId, uuid)).toEqual(before);
        expect(await eventsOf("del-dark")).toBe(1);
        expect(await store.get(String(before?.object_key))).not.toBeNull();
        expect((await t.call("DELETE", base(agent, "del-dark"), { token: admin })).status).toBe(200);
        expect(await store.get(String(before?.object_key))).toBeNull();
      });

      it("deletes a session never archived even while object storage is down", async () => {
        await append("del-fresh", turns(1));
        store.down = true;
        try {
          const res = await t.call("DELETE", base(agent, "del-fresh"), { token: admin });
          expect(res.status).toBe(200);
          expect((await res.json()).deleted_archive).toBe(false);
        } finally {
          store.down = false;
        }
      });
    });

    if (storeKind === "s3") {
      describe("S3 failures", () => {
        it("retries the archive through real 503s from the bucket until it is written", async () => {
          await append("s3-outage", turns(4));
          const done = await complete("s3-outage");
          // What the archive must not change (extraction, running alongside, moves its pointer).
          const shape = (x: { status: string; message_count: number; messages: unknown[] }) => ({
            status: x.status,
            message_count: x.message_count,
            messages: x.messages,
          });
          const before = shape(await session("s3-outage"));
          // More failures than the SDK's own attempts: the job itself fails and is retried.
          await s3?.failNext(5, 503);
          await t.jobWorker.drain();
          const job = await (await t.call("GET", `/v1/jobs/${done.job_ids[1]}`, { token: admin })).json();
          expect(job).toMatchObject({ status: "succeeded", last_error: null });
          expect(job.attempts).toBeGreaterThan(1);
          expect(shape(await session("s3-outage"))).toEqual(before);
          const row = await archiveRow(t, orgId, done.session.session_uuid);
          const blob = await store.get(String(row?.object_key));
          expect(sha256(blob?.body ?? new Uint8Array())).toBe(row?.sha256);
        });

        it("an unreachable endpoint fails the job retryably and leaves the session as it was", async () => {
          await append("s3-dead-port", turns(2));
          const done = await complete("s3-dead-port");
          const dead = createS3BlobStore({
            bucket: "engram-test",
            endpoint: "http://127.0.0.1:9",
            region: "us-east-1",
            accessKeyId: "x",
            secretAccessKey: "y",
            forcePathStyle: true,
          });
          const err = await archiveSession(
            { ...t.services, blobs: dead },
            { jobId: uuidv7(), orgId, attempt: 1 },
            { agent_id: agent, session_id: done.session.session_uuid },
          ).catch((e: unknown) => e);
          expect(isAppError(err) && err.code === "UNAVAILABLE" && err.retryable).toBe(true);
          expect((await archiveRow(t, orgId, done.session.session_uuid))?.object_key).toBeNull();
          expect((await session("s3-dead-port")).status).toBe("completed");
        });
      });
    }
  });
}
