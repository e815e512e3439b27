import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBlobStore } from "../../src/adapters/in-memory/blob-store.js";
import { uuidv7 } from "../../src/lib/ids.js";
import { retentionPolicyOf } from "../../src/retention/model.js";
import { sweepRetention } from "../../src/retention/sweep-retention.js";
import { createTestApp, newAgent, newOrg, type TestApp } from "../support/app.js";
import { switchableBlobs } from "../support/switchable-blobs.js";

/** Rows just past each cutoff ("old") and just inside it ("young"), per kind. */
interface Seeded {
  orgId: string;
  old: {
    sessions: string[];
    objects: string[];
    pruned: string;
    exports: string[];
    keys: string[];
    events: string;
    memory: string;
  };
  young: {
    sessions: string[];
    objects: string[];
    kept: string;
    exports: string[];
    keys: string[];
    events: string;
    memory: string;
  };
  /** A live memory that pointed at the old soft-deleted one. */
  pointer: string;
  active: string;
}

const HOUR = "1 hour";

/** The retention sweeper's suite, on the embedded database or the machine's PostgreSQL. */
export function runRetentionSuite(database: "pglite" | "postgres"): void {
  describe(`retention sweep on ${database}`, () => {
    let t: TestApp;
    const blobs = switchableBlobs(createMemoryBlobStore());
    const policy = () => retentionPolicyOf(t.services.config);
    const sweep = (options = {}) => sweepRetention({ ...t.services, blobs: blobs.store }, policy(), options);
    const exists = async (table: string, where: string, params: unknown[]) =>
      (await t.sql.query(`SELECT 1 FROM ${table} WHERE ${where}`, params)).rows.length > 0;

    /** One finished session ended `age` ago, archived (object and row), with two messages. */
    async function session(orgId: string, agentId: string, age: string, opts: { pruned?: boolean } = {}) {
      const id = uuidv7();
      const key = `${orgId}/${agentId}/2026/01/${id}.ndjson.gz`;
      await blobs.store.put(key, new Uint8Array([1, 2]), { contentType: "application/x-ndjson" });
      await t.sql.query(
        `INSERT INTO sessions (id, org_id, agent_id, external_id, status, turn_count, last_extracted_turn,
                               completed_at, last_activity_at, archive_key, messages_pruned_at)
         VALUES ($1::uuid, $2, $3, $1::text, 'completed', 2, 1, now() - $4::interval, now() - $4::interval, $5,
                 CASE WHEN $6 THEN now() ELSE NULL END)`,
        [id, orgId, agentId, age, key, opts.pruned ?? false],
      );
      await t.sql.query(
        `INSERT INTO session_archives (session_id, org_id, object_key, bytes, sha256, message_count)
         VALUES ($1, $2, $3, 2, repeat('a', 64), 2)`,
        [id, orgId, key],
      );
      if (!opts.pruned) {
        await t.sql.query(
          `INSERT INTO session_messages (session_id, org_id, seq, role, content)
           VALUES ($1, $2, 0, 'user', 'hello'), ($1, $2, 1, 'assistant', 'hi')`,
          [id, orgId],
        );
      }
      return { id, key };
    }

    async function exportRow(orgId: string, agentId: string, expires: string) {
      const id = uuidv7();
      const key = `${orgId}/exports/${agentId}/${id}.jsonl`;
      await blobs.store.put(key, new Uint8Array([1]), { contentType: "application/x-ndjson" });
      await t.sql.query(
        `INSERT INTO idempotency_keys (org_id, scope, key, request_hash, status, result, expires_at)
         VALUES ($1, 'memory.export', $2, 'h', 'succeeded', $3, now() + $4::interval)`,
        [
          orgId,
          id,
          JSON.stringify({ agent_id: agentId, format: "jsonl", filter: {}, object_key: key }),
          expires,
        ],
      );
      return { id, key };
    }

    async function memory(
      orgId: string,
      agentId: string,
      deleted: string | null,
      supersededBy: string | null = null,
    ) {
      const id = uuidv7();
      await t.sql.query(
        `INSERT INTO memories (id, org_id, agent_id, content, content_hash, category, status, superseded_by, deleted_at)
         VALUES ($1, $2, $3, 'x', repeat('b', 64), 'factual', $4, $5,
                 CASE WHEN $6::text IS NULL THEN NULL ELSE now() - $6::interval END)`,
        [id, orgId, agentId, supersededBy ? "superseded" : "active", supersededBy, deleted],
      );
      await t.sql.query(
        `INSERT INTO memory_versions (id, org_id, memory_id, version_num, operation, snapshot, changed_by)
         VALUES ($1, $2, $3, 1, 'create', '{}', 'user')`,
        [uuidv7(), orgId, id],
      );
      return id;
    }

    /** Seeds every kind for an org whose sessions are kept `days` days. */
    async function seed(slug: string, days: number): Promise<Seeded> {
      const org = await newOrg(t, slug);
      if (days !== 90) {
        const res = await t.call("PATCH", "/v1/orgs/me", {
          token: org.token,
          body: { settings: { session_retention_days: days } },
        });
        expect(res.status).toBe(200);
      }
      const agent = (await newAgent(t, org.token, `${slug}-agent`)).id;
      const o = org.orgId;
      const oldSessions = [
        await session(o, agent, `${days} days ${HOUR}`),
        await session(o, agent, `${days + 5} days`, { pruned: true }),
      ];
      const youngSessions = [await session(o, agent, `${days} days -${HOUR}`)];
      // Messages leave Postgres 30 days after the session ended (SESSION_MESSAGES_RETAIN_DAYS).
      const pruned = await session(o, agent, `30 days ${HOUR}`);
      const kept = await session(o, agent, `30 days -${HOUR}`);
      const active = uuidv7();
      await t.sql.query(
        `INSERT INTO sessions (id, org_id, agent_id, external_id, last_activity_at)
         VALUES ($1::uuid, $2, $3, $1::text, now() - interval '400 days')`,
        [active, o, agent],
      );
      const oldExports = [await exportRow(o, agent, `-${HOUR}`), await exportRow(o, agent, "-3 days")];
      const youngExports = [await exportRow(o, agent, HOUR)];
      const keys = async (expires: string, n: number) => {
        const ids: string[] = [];
        for (let i = 0; i < n; i++) {
          const key = uuidv7();
          await t.sql.query(
            `INSERT INTO idempotency_keys (org_id, scope, key, request_hash, status, expires_at)
             VALUES ($1, $2, $3, 'h', 'succeeded', now() + $4::interval)`,
            [o, i % 2 ? "memory.extract" : `session.append:${agent}`, key, expires],
          );
          ids.push(key);
        }
        return ids;
      };
      const event = async (age: string) => {
        const id = uuidv7();
        await t.sql.query(
          `INSERT INTO assembly_events (id, org_id, agent_id, total_ms, created_at) VALUES ($1, $2, $3, 1, now() - $4::interval)`,
          [id, o, agent, age],
        );
        return id;
      };
      const oldMemory = await memory(o, agent, `30 days ${HOUR}`);
      const pointer = await memory(o, agent, null, oldMemory);
      return {
        orgId: o,
        old: {
          sessions: oldSessions.map((s) => s.id),
          objects: [...oldSessions.map((s) => s.key), ...oldExports.map((e) => e.key)],
          pruned: pruned.id,
          exports: oldExports.map((e) => e.id),
          keys: await keys(`-${HOUR}`, 3),
          events: await event(`90 days ${HOUR}`),
          memory: oldMemory,
        },
        young: {
          sessions: [...youngSessions, pruned, kept].map((s) => s.id),
          objects: [...youngSessions, pruned, kept].map((s) => s.key).concat(youngExports.map((e) => e.key)),
          kept: kept.id,
          exports: youngExports.map((e) => e.id),
          keys: await keys(HOUR, 2),
          events: await event(`90 days -${HOUR}`),
          memory: await memory(o, agent, `30 days -${HOUR}`),
        },
        pointer,
        active,
      };
    }

    /** Asserts every old thing of `s` is gone and every young one is still there. */
    async function expectSwept(s: Seeded) {
      for (const id of s.old.sessions) expect(await exists("sessions", "id = $1", [id])).toBe(false);
      for (const id of s.old.sessions)
        expect(await exists("session_messages", "session_id = $1", [id])).toBe(false);
      for (const id of s.old.sessions)
        expect(await exists("session_archives", "session_id = $1", [id])).toBe(false);
      for (const key of s.old.objects) expect(await blobs.store.get(key)).toBeNull();
      for (const id of s.young.sessions) expect(await exists("sessions", "id = $1", [id])).toBe(true);
      for (const key of s.young.objects) expect(await blobs.store.get(key)).not.toBeNull();
      expect(await exists("sessions", "id = $1", [s.active])).toBe(true);
      // Pruned: the session and its archive stay, its messages are gone; the younger keeps its messages.
      expect(await exists("session_messages", "session_id = $1", [s.old.pruned])).toBe(false);
      expect(await exists("sessions", "id = $1 AND messages_pruned_at IS NOT NULL", [s.old.pruned])).toBe(
        true,
      );
      expect(await exists("session_messages", "session_id = $1", [s.young.kept])).toBe(true);
      for (const k of [...s.old.exports, ...s.old.keys])
        expect(await exists("idempotency_keys", "key = $1", [k])).toBe(false);
      for (const k of [...s.young.exports, ...s.young.keys])
        expect(await exists("idempotency_keys", "key = $1", [k])).toBe(true);
      expect(await exists("assembly_events", "id = $1", [s.old.events])).toBe(false);
      expect(await exists("assembly_events", "id = $1", [s.young.events])).toBe(true);
      expect(await exists("memories", "id = $1", [s.old.memory])).toBe(false);
      expect(await exists("memory_versions", "memory_id = $1", [s.old.memory])).toBe(false);
      expect(await exists("memories", "id = $1", [s.young.memory])).toBe(true);
      expect(await exists("memories", "id = $1 AND superseded_by IS NULL", [s.pointer])).toBe(true);
    }

    beforeAll(async () => {
      t = await createTestApp({ SESSION_MESSAGES_RETAIN_DAYS: "30" }, { database, blobs: blobs.store });
    });
    afterAll(() => t?.close());

    it("removes each kind at its cutoff and nothing younger, per org retention; a second run removes nothing", async () => {
      const long = await seed("keep-90", 90);
      const short = await seed("keep-40", 40);
      const report = await sweep();
      expect(report).toMatchObject({
        sessions: 4,
        archive_objects: 4,
        // Each org: the 30-day-old session and its young one past 30 days (89 and 39 days).
        pruned_sessions: 4,
        exports: 4,
        export_objects: 4,
        idempotency_keys: 6,
        assembly_events: 2,
        memories: 2,
        failures: 0,
        complete: true,
      });
      expect(report.orgs).toBeGreaterThanOrEqual(3);
      await expectSwept(long);
      await expectSwept(short);
      // Each org's own retention: the 40-day org lost its 40-day-old sessions, the 90-day org keeps its 89-day-old one.
      expect(await exists("sessions", "org_id = $1 AND id = $2", [long.orgId, long.young.sessions[0]])).toBe(
        true,
      );

      const again = await sweep();
      expect(again).toMatchObject({
        sessions: 0,
        archive_objects: 0,
        pruned_sessions: 0,
        exports: 0,
        idempotency_keys: 0,
        assembly_events: 0,
        memories: 0,
        complete: true,
      });
      expect(t.logs.some((l) => l.includes('"retention sweep"'))).toBe(true);
      expect(t.logs.filter((l) => l.includes("retention sweep")).join("")).not.toContain("hello");
    });

    it("a run cut mid-way resumes: by its budget, or by the object store failing", async () => {
      const s = await seed("resume", 90);
      const first = await sweep({ maxBatches: 3, batchSize: 1 });
      expect(first.complete).toBe(false);
      expect(first.sessions).toBe(2);

      blobs.failDeletesAfter(1);
      const broken = await sweep();
      blobs.failDeletesAfter(Number.POSITIVE_INFINITY);
      expect(broken.failures).toBe(1);
      expect(broken.complete).toBe(true);
      // The exports' files went first and a delete failed: their rows stay for the next run,
      // while the other kinds of the org went on.
      for (const k of s.old.exports) expect(await exists("idempotency_keys", "key = $1", [k])).toBe(true);
      expect(await exists("memories", "id = $1", [s.old.memory])).toBe(false);

      const rest = await sweep();
      expect(rest.failures).toBe(0);
      const total = (k: "exports" | "memories" | "idempotency_keys" | "pruned_sessions") =>
        first[k] + broken[k] + rest[k];
      expect(total("exports")).toBe(2);
      expect(total("memories")).toBe(1);
      expect(total("idempotency_keys")).toBe(3);
      expect(total("pruned_sessions")).toBe(2);
      await expectSwept(s);
      expect((await sweep()).sessions).toBe(0);
    });

    /** `n` assembly events past ANALYTICS_RETENTION_DAYS in the org. */
    async function oldEvents(o: { orgId: string; agent: string }, n: number) {
      for (let i = 0; i < n; i++) {
        await t.sql.query(
          `INSERT INTO assembly_events (id, org_id, agent_id, total_ms, created_at)
           VALUES ($1, $2, $3, 1, now() - interval '90 days 1 hour')`,
          [uuidv7(), o.orgId, o.agent],
        );
      }
    }
    const eventsLeft = async (o: { orgId: string }) => {
      const { rows } = await t.sql.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM assembly_events WHERE org_id = $1 AND created_at < now() - interval '90 days'",
        [o.orgId],
      );
      return rows[0]?.n;
    };
    async function orgsWithAgent(...slugs: string[]) {
      const made: { orgId: string; token: string; agent: string }[] = [];
      for (const slug of slugs) {
        const org = await newOrg(t, slug);
        made.push({ ...org, agent: (await newAgent(t, org.token, `${slug}-agent`)).id });
      }
      return made.sort((x, y) => (x.orgId < y.orgId ? -1 : 1));
    }

    it("each run goes on after the last org the previous one finished and wraps around, so a short budget still reaches every org", async () => {
      const [first, second, third] = await orgsWithAgent("order-a", "order-b", "order-c");
      if (!first || !second || !third) throw new Error("three orgs");
      // From the start of the id order, as on a fresh deployment.
      await t.sql.query("UPDATE retention_cursor SET last_org_id = NULL");
      for (const o of [first, second, third]) await oldEvents(o, 2);
      const left = async () => [await eventsLeft(first), await eventsLeft(second), await eventsLeft(third)];

      const one = await sweep({ maxBatches: 3, batchSize: 1 });
      expect(one.complete).toBe(false);
      expect(await left()).toEqual([0, 1, 2]);
      // Something falls due in the first org, which that run had finished.
      await oldEvents(first, 1);

      const two = await sweep({ maxBatches: 3, batchSize: 1 });
      expect(two.complete).toBe(false);
      // It went on from the second org instead of starting over (which would have spent its budget on the first).
      expect(await left()).toEqual([1, 0, 0]);

      const three = await sweep();
      expect(three.complete).toBe(true);
      const { rows } = await t.sql.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM orgs WHERE status <> 'deleted'",
      );
      expect(three.orgs).toBe(rows[0]?.n);
      expect(await left()).toEqual([0, 0, 0]);
    });

    it("a kind that fails for one org, whatever the error, is counted and logged without content; the other orgs are swept", async () => {
      const [bad, good] = await orgsWithAgent("fails-a", "fails-b");
      if (!bad || !good) throw new Error("two orgs");
      await oldEvents(bad, 1);
      await oldEvents(good, 1);
      // A database error that is no outage: deleting this org's events raises.
      await t.sql.query(
        `CREATE FUNCTION test_refuse_event_delete() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF OLD.org_id = '${bad.orgId}'::uuid THEN RAISE EXCEPTION 'refused: retention-secret-marker'; END IF;
           RETURN OLD;
         END $$`,
      );
      await t.sql.query(
        `CREATE TRIGGER test_refuse_event_delete BEFORE DELETE ON assembly_events
         FOR EACH ROW EXECUTE FUNCTION test_refuse_event_delete()`,
      );
      const from = t.logs.length;
      try {
        for (let run = 0; run < 2; run++) {
          const report = await sweep();
          expect(report).toMatchObject({ failures: 1, complete: true });
          expect(await eventsLeft(bad)).toBe(1);
          expect(await eventsLeft(good)).toBe(0);
          await oldEvents(good, 1);
        }
      } finally {
        await t.sql.query("DROP TRIGGER test_refuse_event_delete ON assembly_events");
        await t.sql.query("DROP FUNCTION test_refuse_event_delete()");
      }
      const lines = t.logs.slice(from).filter((l) => l.includes('"retention step failed"'));
      expect(lines).toHaveLength(2);
      expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
        org_id: bad.orgId,
        kind: "assembly_events",
        error: "SqlError",
        sql_state: "P0001",
      });
      expect(t.logs.slice(from).join("\n")).not.toContain("retention-secret-marker");
      const after = await sweep();
      expect(after.failures).toBe(0);
      expect([await eventsLeft(bad), await eventsLeft(good)]).toEqual([0, 0]);
    });

    it("a session reopened while its archive is being deleted waits for the delete: no session is left naming a deleted object", async () => {
      const [org] = await orgsWithAgent("reopen-race");
      if (!org) throw new Error("one org");
      // Abandoned 91 days ago (the org keeps sessions 90), archived, its messages pruned.
      const id = uuidv7();
      const key = `${org.orgId}/${org.agent}/2026/01/${id}.ndjson.gz`;
      await blobs.store.put(key, new Uint8Array([1, 2]), { contentType: "application/x-ndjson" });
      await t.sql.query(
        `INSERT INTO sessions (id, org_id, agent_id, external_id, status, turn_count, last_extracted_turn,
                               completed_at, last_activity_at, archive_key, messages_pruned_at)
         VALUES ($1::uuid, $2, $3, $1::text, 'abandoned', 2, 1, now() - interval '91 days',
                 now() - interval '91 days', $4, now() - interval '60 days')`,
        [id, org.orgId, org.agent, key],
      );
      await t.sql.query(
        `INSERT INTO session_archives (session_id, org_id, object_key, bytes, sha256, message_count)
         VALUES ($1, $2, $3, 2, repeat('a', 64), 2)`,
        [id, org.orgId, key],
      );
      let reached = () => {};
      const atDelete = new Promise<void>((r) => {
        reached = r;
      });
      let release = () => {};
      const released = new Promise<void>((r) => {
        release = r;
      });
      blobs.setBeforeDelete(async (k) => {
        if (k !== key) return;
        reached();
        await released;
      });
      try {
        const sweeping = sweep();
        await atDelete;
        // The gateway sends a turn under the same session id while the object is being deleted.
        const reopening = t.call("POST", `/v1/agents/${org.agent}/sessions/${id}/messages`, {
          token: org.token,
          body: { messages: [{ role: "user", content: "back again" }] },
        });
        // Let it get as far as it can: unblocked, it would reopen the session now.
        await Promise.race([reopening, new Promise((r) => setTimeout(r, 300))]);
        release();
        const [report, res] = await Promise.all([sweeping, reopening]);
        expect(res.status, await res.clone().text()).toBe(200);
        expect(report.sessions).toBeGreaterThanOrEqual(1);
      } finally {
        blobs.setBeforeDelete(null);
        release();
      }
      expect(await blobs.store.get(key)).toBeNull();
      const { rows } = await t.sql.query<{ id: string; turn_count: number; archive_key: string | null }>(
        "SELECT id, turn_count, archive_key FROM sessions WHERE org_id = $1 AND external_id = $2",
        [org.orgId, id],
      );
      // The old session went whole; the new turn started a new session under the gateway's id.
      expect(rows).toEqual([{ id: expect.any(String), turn_count: 1, archive_key: null }]);
      expect(rows[0]?.id).not.toBe(id);
    });
  });
}
