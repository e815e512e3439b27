import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withOrg } from "../../src/db/tenant.js";
import { sweepIdleSessions } from "../../src/sessions/sweep-idle-sessions.js";
import { createTestApp, newAgent, newOrg, newToken, problem, type TestApp } from "../support/app.js";

/** The sessions suite, on the embedded database or the machine's real PostgreSQL. */
export function runSessionsSuite(database: "pglite" | "postgres"): void {
  describe(`sessions on ${database}`, () => {
    let t: TestApp;
    let admin: string;
    let orgId: string;
    let agent: string;
    let other: { orgId: string; token: string };
    let otherAgent: string;

    const base = (a: string, s: string) => `/v1/agents/${a}/sessions/${s}`;
    const turns = (n: number, tag = "t") =>
      Array.from({ length: n }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: `${tag}-${i}` }));

    async function append(token: string, a: string, s: string, body: unknown) {
      return t.call("POST", `${base(a, s)}/messages`, { token, body });
    }

    beforeAll(async () => {
      t = await createTestApp({}, { database });
      ({ token: admin, orgId } = await newOrg(t, "sessions-org"));
      agent = (await newAgent(t, admin, "chat")).id;
      other = await newOrg(t, "sessions-other");
      otherAgent = (await newAgent(t, other.token, "chat-b")).id;
    });
    afterAll(() => t.close());

    describe("POST …/sessions/{session_id}/messages", () => {
      it("creates the session on first use and appends in order", async () => {
        const first = await append(admin, agent, "conv-1", { messages: turns(3, "a") });
        expect(first.status).toBe(200);
        const a = await first.json();
        expect(a).toMatchObject({
          appended: 3,
          first_seq: 0,
          replayed: false,
          session: {
            id: "conv-1",
            agent_id: agent,
            status: "active",
            message_count: 3,
            last_extracted_turn: -1,
          },
        });
        const second = await (await append(admin, agent, "conv-1", { messages: turns(2, "b") })).json();
        expect(second).toMatchObject({ appended: 2, first_seq: 3, session: { message_count: 5 } });
        const got = await (await t.call("GET", base(agent, "conv-1"), { token: admin })).json();
        expect(got.messages.map((m: { content: string }) => m.content)).toEqual([
          "a-0",
          "a-1",
          "a-2",
          "b-0",
          "b-1",
        ]);
        expect(got.messages.map((m: { seq: number }) => m.seq)).toEqual([0, 1, 2, 3, 4]);
        const agentView = await (await t.call("GET", `/v1/agents/${agent}`, { token: admin })).json();
        expect(agentView.total_sessions).toBeGreaterThanOrEqual(1);
      });

      it("keeps the sender's time and metadata, and when it was received", async () => {
        const res = await append(admin, agent, "conv-meta", {
          messages: [
            {
              role: "user",
              content: "hi",
              created_at: "2026-11-30T10:00:00+01:00",
              metadata: { model: "gpt-4o", n: 1 },
            },
            { role: "tool", content: "{}" },
          ],
        });
        expect(res.status).toBe(200);
        const got = await (await t.call("GET", base(agent, "conv-meta"), { token: admin })).json();
        expect(got.messages[0]).toMatchObject({
          created_at: "2026-11-30T09:00:00.000Z",
          metadata: { model: "gpt-4o", n: 1 },
        });
        expect(got.messages[1].metadata).toBeNull();
        expect(Date.parse(got.messages[1].received_at)).toBeGreaterThan(Date.parse("2026-01-01"));
      });

      it("replays an idempotency key: the first result, nothing added; another body is a conflict", async () => {
        const body = { messages: turns(2, "idem"), idempotency_key: "call-42" };
        const first = await (await append(admin, agent, "conv-idem", body)).json();
        const again = await append(admin, agent, "conv-idem", body);
        expect(again.status).toBe(200);
        const replay = await again.json();
        expect(replay).toMatchObject({ replayed: true, appended: 2, first_seq: 0 });
        expect(replay.session.message_count).toBe(first.session.message_count);
        const got = await (await t.call("GET", base(agent, "conv-idem"), { token: admin })).json();
        expect(got.message_count).toBe(2);
        const mismatch = await append(admin, agent, "conv-idem", { ...body, messages: turns(3, "other") });
        expect(mismatch.status).toBe(409);
        expect((await problem(mismatch)).code).toBe("CONFLICT");
        // The same key in another session is another call.
        const elsewhere = await append(admin, agent, "conv-idem-2", body);
        expect((await elsewhere.json()).replayed).toBe(false);
      });

      it("never loses or interleaves the turns of concurrent calls", async () => {
        const calls = 12;
        const per = 5;
        const results = await Promise.all(
          Array.from({ length: calls }, (_, c) =>
            append(admin, agent, "conv-race", { messages: turns(per, `c${c}`) }),
          ),
        );
        expect(results.map((r) => r.status)).toEqual(Array(calls).fill(200));
        const got = await (
          await t.call("GET", `${base(agent, "conv-race")}?limit=500`, { token: admin })
        ).json();
        expect(got.message_count).toBe(calls * per);
        const contents: string[] = got.messages.map((m: { content: string }) => m.content);
        for (let c = 0; c < calls; c++) {
          const start = contents.indexOf(`c${c}-0`);
          expect(contents.slice(start, start + per)).toEqual(turns(per, `c${c}`).map((m) => m.content));
        }
      });

      it("applies concurrent calls with one idempotency key once", async () => {
        const body = { messages: turns(4, "dupkey"), idempotency_key: "same-key" };
        const results = await Promise.all(
          Array.from({ length: 6 }, () => append(admin, agent, "conv-race-key", body)),
        );
        expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
        const replays = (await Promise.all(results.map((r) => r.json()))).filter((b) => b.replayed).length;
        expect(replays).toBe(5);
        const got = await (await t.call("GET", base(agent, "conv-race-key"), { token: admin })).json();
        expect(got.message_count).toBe(4);
      });

      it.each([
        ["an unknown role", { messages: [{ role: "wizard", content: "x" }] }],
        ["an empty batch", { messages: [] }],
        ["an oversize batch", { messages: turns(101) }],
        ["a message over 32,000 characters", { messages: [{ role: "user", content: "x".repeat(32_001) }] }],
        ["a NUL character", { messages: [{ role: "user", content: "a\u0000b" }] }],
        ["an unknown field", { messages: turns(1), extra: true }],
        ["a bad created_at", { messages: [{ role: "user", content: "x", created_at: "yesterday" }] }],
        ["metadata that is not an object", { messages: [{ role: "user", content: "x", metadata: [1] }] }],
        ["a bad idempotency key", { messages: turns(1), idempotency_key: "has space" }],
        ["content of the wrong type", { messages: [{ role: "user", content: 42 }] }],
      ])("answers 400 for %s and stores nothing", async (_label, body) => {
        const res = await append(admin, agent, "conv-bad", body);
        expect(res.status).toBe(400);
        expect((await problem(res)).code).toBe("INVALID_ARGUMENT");
        const got = await t.call("GET", base(agent, "conv-bad"), { token: admin });
        expect(got.status).toBe(404);
      });

      it.each([
        ["too long", "s".repeat(129)],
        ["bad characters", "a b"],
        ["a slash-free unicode id", "sessión"],
      ])("answers 400 for a session id that is %s", async (_label, sid) => {
        const res = await append(admin, agent, encodeURIComponent(sid), { messages: turns(1) });
        expect(res.status).toBe(400);
      });

      it("accepts a 128-character id of every allowed character", async () => {
        const sid = `Az09._:-${"x".repeat(120)}`;
        const res = await append(admin, agent, sid, { messages: turns(1) });
        expect(res.status).toBe(200);
        expect((await res.json()).session.id).toBe(sid);
      });

      it("needs session:write, and keeps to the token's org and agent", async () => {
        expect((await append("", agent, "conv-auth", { messages: turns(1) })).status).toBe(401);
        const reader = (await newToken(t, admin, { preset: "read-only" })).token;
        expect((await append(reader, agent, "conv-auth", { messages: turns(1) })).status).toBe(403);
        const otherAgentOfOrg = (await newAgent(t, admin, "chat-2")).id;
        const bound = (await newToken(t, admin, { scopes: ["session:write"], agent_id: otherAgentOfOrg }))
          .token;
        expect((await append(bound, agent, "conv-auth", { messages: turns(1) })).status).toBe(404);
        expect((await append(other.token, agent, "conv-auth", { messages: turns(1) })).status).toBe(404);
        const gateway = (await newToken(t, admin, { preset: "gateway" })).token;
        expect((await append(gateway, agent, "conv-auth", { messages: turns(1) })).status).toBe(200);
      });

      it("refuses turns for an archived agent", async () => {
        const archived = (await newAgent(t, admin, "archived-chat")).id;
        await t.call("POST", `/v1/agents/${archived}/archive`, { token: admin });
        const res = await append(admin, archived, "conv-x", { messages: turns(1) });
        expect(res.status).toBe(409);
        expect((await problem(res)).code).toBe("FAILED_PRECONDITION");
      });
    });

    describe("POST …/complete", () => {
      it("completes, enqueues extraction once, and refuses later turns", async () => {
        await append(admin, agent, "conv-done", {
          messages: [
            { role: "user", content: "Hi! I'm allergic to peanuts and I live in Lyon." },
            { role: "assistant", content: "Noted, thanks for telling me." },
          ],
        });
        const res = await t.call("POST", `${base(agent, "conv-done")}/complete`, { token: admin });
        expect(res.status).toBe(202);
        const done = await res.json();
        expect(done.session).toMatchObject({ status: "completed", message_count: 2 });
        expect(done.session.completed_at).not.toBeNull();
        expect(done.job_ids).toHaveLength(2);
        const again = await (
          await t.call("POST", `${base(agent, "conv-done")}/complete`, { token: admin })
        ).json();
        expect(again.job_ids).toEqual(done.job_ids);
        const late = await append(admin, agent, "conv-done", { messages: turns(1) });
        expect(late.status).toBe(409);
        expect((await problem(late)).code).toBe("FAILED_PRECONDITION");
        const jobs = await Promise.all(
          done.job_ids.map(async (id: string) =>
            (await t.call("GET", `/v1/jobs/${id}`, { token: admin })).json(),
          ),
        );
        expect(jobs.map((j) => j.type)).toEqual(["memory.extract", "session.archive"]);
        for (const job of jobs) expect(job).toMatchObject({ status: "queued", attempts: 0 });
      });

      it("answers 404 for an unknown session or another org's", async () => {
        expect((await t.call("POST", `${base(agent, "nope")}/complete`, { token: admin })).status).toBe(404);
        await append(other.token, otherAgent, "conv-b", { messages: turns(1) });
        expect(
          (await t.call("POST", `${base(otherAgent, "conv-b")}/complete`, { token: admin })).status,
        ).toBe(404);
      });

      it("enqueues only the archive when the agent turned extraction off", async () => {
        const quiet = (await newAgent(t, admin, "no-extract")).id;
        await t.call("PATCH", `/v1/agents/${quiet}`, {
          token: admin,
          body: { config: { memory_extraction_enabled: false } },
        });
        await append(admin, quiet, "conv-q", { messages: turns(2) });
        const done = await (
          await t.call("POST", `${base(quiet, "conv-q")}/complete`, { token: admin })
        ).json();
        expect(done.job_ids).toHaveLength(1);
        const job = await (await t.call("GET", `/v1/jobs/${done.job_ids[0]}`, { token: admin })).json();
        expect(job.type).toBe("session.archive");
      });
    });

    describe("GET sessions", () => {
      it("lists newest first with a cursor and filters", async () => {
        const a2 = (await newAgent(t, admin, "lister")).id;
        for (const sid of ["l-1", "l-2", "l-3"]) await append(admin, a2, sid, { messages: turns(1) });
        await t.call("POST", `${base(a2, "l-2")}/complete`, { token: admin });
        const page1 = await (
          await t.call("GET", `/v1/agents/${a2}/sessions?limit=2`, { token: admin })
        ).json();
        expect(page1.items.map((s: { id: string }) => s.id)).toEqual(["l-3", "l-2"]);
        const page2 = await (
          await t.call("GET", `/v1/agents/${a2}/sessions?limit=2&cursor=${page1.next_cursor}`, {
            token: admin,
          })
        ).json();
        expect(page2.items.map((s: { id: string }) => s.id)).toEqual(["l-1"]);
        expect(page2.next_cursor).toBeNull();
        const completed = await (
          await t.call("GET", `/v1/agents/${a2}/sessions?status=completed`, { token: admin })
        ).json();
        expect(completed.items.map((s: { id: string }) => s.id)).toEqual(["l-2"]);
        const future = await (
          await t.call("GET", `/v1/agents/${a2}/sessions?started_after=2999-01-01T00:00:00Z`, {
            token: admin,
          })
        ).json();
        expect(future.items).toEqual([]);
        const bad = await t.call("GET", `/v1/agents/${a2}/sessions?cursor=nonsense`, { token: admin });
        expect(bad.status).toBe(400);
        expect((await t.call("GET", `/v1/agents/${a2}/sessions?status=open`, { token: admin })).status).toBe(
          400,
        );
        expect((await t.call("GET", `/v1/agents/${a2}/sessions`, { token: other.token })).status).toBe(404);
      });

      it("pages a session's messages in order", async () => {
        await append(admin, agent, "conv-pages", { messages: turns(7, "p") });
        const p1 = await (
          await t.call("GET", `${base(agent, "conv-pages")}?limit=3`, { token: admin })
        ).json();
        expect(p1.messages.map((m: { seq: number }) => m.seq)).toEqual([0, 1, 2]);
        expect(p1.next_after_seq).toBe(2);
        const p3 = await (
          await t.call("GET", `${base(agent, "conv-pages")}?limit=3&after_seq=5`, { token: admin })
        ).json();
        expect(p3.messages.map((m: { seq: number }) => m.seq)).toEqual([6]);
        expect(p3.next_after_seq).toBeNull();
        expect((await t.call("GET", base(agent, "conv-pages"), { token: other.token })).status).toBe(404);
      });
    });

    describe("DELETE sessions", () => {
      async function extracted(sid: string, employer: string) {
        await append(admin, agent, sid, {
          messages: [{ role: "user", content: `I work at ${employer} as a data engineer.` }],
        });
        await t.call("POST", `${base(agent, sid)}/complete`, { token: admin });
        await t.jobWorker.drain();
        const list = await (
          await t.call("GET", `/v1/agents/${agent}/memories?source=extracted&limit=100`, { token: admin })
        ).json();
        const session = await (await t.call("GET", base(agent, sid), { token: admin })).json();
        return list.items.filter((m: { session_id: string | null }) => m.session_id === session.session_uuid);
      }

      it("removes the messages and keeps the memories by default", async () => {
        const mems = await extracted("conv-del-1", "Globex");
        expect(mems.length).toBeGreaterThan(0);
        const res = await t.call("DELETE", base(agent, "conv-del-1"), { token: admin });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({
          deleted_messages: 1,
          deleted_memories: 0,
          deleted_events: 0,
          deleted_archive: true,
        });
        expect((await t.call("GET", base(agent, "conv-del-1"), { token: admin })).status).toBe(404);
        const kept = await t.call("GET", `/v1/agents/${agent}/memories/${mems[0].id}`, { token: admin });
        expect(kept.status).toBe(200);
      });

      it("removes the extracted memories too with with_memories=true", async () => {
        const mems = await extracted("conv-del-2", "Umbrella");
        expect(mems.length).toBeGreaterThan(0);
        const res = await t.call("DELETE", `${base(agent, "conv-del-2")}?with_memories=true`, {
          token: admin,
        });
        expect((await res.json()).deleted_memories).toBe(mems.length);
        const gone = await t.call("GET", `/v1/agents/${agent}/memories/${mems[0].id}`, { token: admin });
        expect(gone.status).toBe(404);
      });

      it("answers 404 for another org's session and 403 without session:delete", async () => {
        await append(other.token, otherAgent, "conv-b-del", { messages: turns(1) });
        expect((await t.call("DELETE", base(otherAgent, "conv-b-del"), { token: admin })).status).toBe(404);
        const writer = (await newToken(t, admin, { scopes: ["session:write", "session:read"] })).token;
        await append(admin, agent, "conv-del-3", { messages: turns(1) });
        expect((await t.call("DELETE", base(agent, "conv-del-3"), { token: writer })).status).toBe(403);
        expect(
          (await t.call("DELETE", `${base(agent, "conv-del-3")}?with_memories=maybe`, { token: admin }))
            .status,
        ).toBe(400);
      });
    });

    describe("idle sweep", () => {
      it("abandons idle sessions once, enqueues their jobs, and reopens one that gets new turns", async () => {
        await append(admin, agent, "conv-idle", { messages: turns(2, "idle") });
        await append(admin, agent, "conv-busy", { messages: turns(2, "busy") });
        await withOrg(t.sql, orgId, (tx) =>
          tx.query(
            "UPDATE sessions SET last_activity_at = now() - interval '2 hours' WHERE org_id = $1 AND external_id = 'conv-idle'",
            [orgId],
          ),
        );
        const swept = await sweepIdleSessions(t.services, 45);
        expect(swept.abandoned).toBeGreaterThanOrEqual(1);
        const idle = await (await t.call("GET", base(agent, "conv-idle"), { token: admin })).json();
        expect(idle.status).toBe("abandoned");
        const busy = await (await t.call("GET", base(agent, "conv-busy"), { token: admin })).json();
        expect(busy.status).toBe("active");
        const again = await sweepIdleSessions(t.services, 45);
        expect(again.abandoned).toBe(0);
        const { rows } = await withOrg(t.sql, orgId, (tx) =>
          tx.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM jobs WHERE org_id = $1 AND type = 'memory.extract' AND payload->>'session_id' = $2",
            [orgId, idle.session_uuid],
          ),
        );
        expect(rows[0]?.n).toBe(1);
        const reopened = await (
          await append(admin, agent, "conv-idle", { messages: turns(1, "back") })
        ).json();
        expect(reopened.session.status).toBe("active");
      });
    });
  });
}
