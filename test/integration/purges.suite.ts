import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKvRateLimiter } from "../../src/auth/kv-rate-limiter.js";
import type { BlobStore } from "../../src/blobs/ports.js";
import type { KeyValue } from "../../src/kv/ports.js";
import { hotSetKey } from "../../src/memory/hot-set.js";
import { createTestApp, newAgent, newOrg, newToken, problem, type TestApp } from "../support/app.js";
import { agentRows, orgRows, type SeededOrg, seedOrg, sum } from "../support/purge-fixture.js";

/** The object and key-value stores a purge suite runs against, and a switch to make the object store fail. */
export interface PurgeStores {
  blobs: BlobStore;
  kv: KeyValue;
  /** The object store fails every request until `up()`. */
  down(): void;
  up(): void;
  /** Every key of the store that contains `text` anywhere (not only as a prefix). */
  keysContaining(text: string): Promise<string[]>;
  close(): Promise<void>;
}

interface Purge {
  id: string;
  status: string;
  scope: string;
  org_id: string;
  agent_id: string | null;
  requester: string;
  attempts: number;
  last_error: string | null;
  progress: { phase: string; rows: Record<string, number>; objects: number; keys: number; batches: number };
  certificate: null | {
    purge_id: string;
    scope: string;
    org_id: string;
    agent_id?: string;
    requester: string;
    requested_at: string;
    started_at: string;
    finished_at: string;
    counts: { rows: Record<string, number>; objects: number; keys: number };
  };
  signature: string | null;
}

/** The purge suite: org purge, agent purge, refusals, certificates and an object-store outage. */
export function runPurgeSuite(
  name: string,
  database: "pglite" | "postgres",
  makeStores: () => Promise<PurgeStores>,
) {
  describe(`purges on ${name}`, () => {
    let t: TestApp;
    let stores: PurgeStores;
    let a: SeededOrg;
    let b: SeededOrg;
    let c: { orgId: string; token: string };

    const getPurge = async (id: string, token = t.rootToken) => {
      const res = await t.call("GET", `/v1/purges/${id}`, { token });
      expect(res.status).toBe(200);
      return (await res.json()) as Purge;
    };
    const objectsOf = async (prefix: string) => (await stores.blobs.list(prefix)).length;
    const footprint = async (orgId: string) => ({
      rows: await orgRows(t.sql, orgId),
      objects: await stores.blobs.list(`${orgId}/`),
      keys: (await stores.kv.scan(`${orgId}:`)).sort(),
    });

    beforeAll(async () => {
      stores = await makeStores();
      t = await createTestApp(
        { JOB_RETRY_DELAYS_MS: "1000,1000,1000,1000,1000" },
        { database, blobs: stores.blobs, kv: () => stores.kv },
      );
      // Rate-limit counters in the key-value store too, as with Redis or Upstash configured.
      t.services.rateLimiter = createKvRateLimiter(t.services.kv);
      a = await seedOrg(t, await newOrg(t, "purge-a"), "pa");
      b = await seedOrg(t, await newOrg(t, "purge-b"), "pb");
      c = await newOrg(t, "purge-c");
    }, 120_000);
    afterAll(async () => {
      await t?.close();
      await stores?.close();
    });

    it("seeds rows in every org table, objects and keys, so no check below is vacuous", async () => {
      const rows = await orgRows(t.sql, a.orgId);
      for (const [table, n] of Object.entries(rows)) expect(n, table).toBeGreaterThan(0);
      expect(await objectsOf(`${a.orgId}/`)).toBeGreaterThan(2);
      expect(await objectsOf(`${a.orgId}/exports/`)).toBeGreaterThan(0);
      const keys = await stores.kv.scan(`${a.orgId}:`);
      expect(keys).toContain(hotSetKey(a.orgId, a.agents[0]));
      expect(keys.some((k) => k.includes(":rl:"))).toBe(true);
    });

    it("refuses a purge whose confirm does not repeat the org, another org's, and one without org:admin", async () => {
      const wrong = await t.call("DELETE", `/v1/orgs/${a.orgId}?confirm=${b.orgId}`, { token: a.token });
      expect(wrong.status).toBe(400);
      expect((await problem(wrong)).code).toBe("INVALID_ARGUMENT");
      expect((await t.call("DELETE", `/v1/orgs/${a.orgId}`, { token: a.token })).status).toBe(400);
      const other = await t.call("DELETE", `/v1/orgs/${a.orgId}?confirm=${a.orgId}`, { token: c.token });
      expect(other.status).toBe(404);
      expect((await problem(other)).code).toBe("NOT_FOUND");
      const operator = await newToken(t, a.token, { preset: "operator" });
      const weak = await t.call("DELETE", `/v1/orgs/${a.orgId}?confirm=${a.orgId}`, {
        token: operator.token,
      });
      expect(weak.status).toBe(403);
      const root = await t.call("DELETE", `/v1/orgs/${t.rootOrgId}?confirm=${t.rootOrgId}`, {
        token: t.rootToken,
      });
      expect(root.status).toBe(409);
      expect((await problem(root)).code).toBe("FAILED_PRECONDITION");
      const { rows } = await t.sql.query("SELECT count(*)::int AS n FROM purges");
      expect(rows[0]).toEqual({ n: 0 });
      expect((await t.call("GET", "/v1/orgs/me", { token: a.token })).status).toBe(200);
    });

    describe("an org purge", () => {
      let purgeId: string;
      let before: Awaited<ReturnType<typeof footprint>>;
      let otherBefore: Awaited<ReturnType<typeof footprint>>;
      let keysAtRequest: number;
      let requester: string;

      it("answers 202 at once; the org's tokens are refused at once, cached or not; asking again returns the first", async () => {
        const sibling = t.sibling();
        const operator = await newToken(t, a.token, { preset: "operator" });
        for (const app of [t, sibling]) {
          expect((await app.call("GET", "/v1/orgs/me", { token: a.token })).status).toBe(200);
          expect((await app.call("GET", "/v1/agents", { token: operator.token })).status).toBe(200);
        }
        before = await footprint(a.orgId);
        otherBefore = await footprint(b.orgId);
        const me = await (await t.call("GET", "/v1/tokens?limit=100", { token: a.token })).json();
        requester = me.items.find((k: { name: string }) => k.name === "initial admin token").id;

        const res = await t.call("DELETE", `/v1/orgs/me?confirm=${a.orgId}`, { token: a.token });
        expect(res.status).toBe(202);
        const ref = await res.json();
        expect(ref).toEqual({ id: expect.any(String), status: "queued" });
        purgeId = ref.id;
        keysAtRequest = (await stores.kv.scan(`${a.orgId}:`)).length;

        // This process held both principals in its cache: refused at once.
        expect((await t.call("GET", "/v1/orgs/me", { token: a.token })).status).toBe(401);
        expect((await t.call("GET", "/v1/agents", { token: operator.token })).status).toBe(401);
        // Another process's cache holds a token at most TOKEN_CACHE_TTL_MS (≤ 1 s), as for any revocation.
        sibling.clock.advance(t.services.config.TOKEN_CACHE_TTL_MS);
        expect((await sibling.call("GET", "/v1/orgs/me", { token: a.token })).status).toBe(401);
        const { rows } = await t.sql.query("SELECT status FROM orgs WHERE id = $1", [a.orgId]);
        expect(rows[0]).toEqual({ status: "deleted" });

        const again = await t.call("DELETE", `/v1/orgs/${a.orgId}?confirm=${a.orgId}`, {
          token: t.rootToken,
        });
        expect(again.status).toBe(202);
        expect(await again.json()).toEqual({ id: purgeId, status: "queued" });
        const purge = await getPurge(purgeId);
        expect(purge).toMatchObject({
          scope: "org",
          org_id: a.orgId,
          requester,
          certificate: null,
          signature: null,
        });
        expect(purge.progress.phase).toBe("queued");
        expect((await t.call("GET", `/v1/purges/${purgeId}`, { token: c.token })).status).toBe(404);
      });

      it("erases every row, object and key of the org, then signs a certificate of what it counted", async () => {
        await t.jobWorker.drain();
        const purge = await getPurge(purgeId);
        expect(purge.status).toBe("succeeded");
        expect(purge.progress.phase).toBe("done");
        const cert = purge.certificate;
        expect(cert).not.toBeNull();
        expect(cert).toMatchObject({ purge_id: purgeId, scope: "org", org_id: a.orgId, requester });
        expect(cert?.agent_id).toBeUndefined();
        expect(Date.parse(cert?.requested_at ?? "")).toBeLessThanOrEqual(Date.parse(cert?.started_at ?? ""));
        expect(Date.parse(cert?.started_at ?? "")).toBeLessThanOrEqual(Date.parse(cert?.finished_at ?? ""));
        // Exactly what was there: every table's rows, every object, every key.
        expect(cert?.counts.rows).toEqual(before.rows);
        expect(cert?.counts.objects).toBe(before.objects.length);
        expect(cert?.counts.keys).toBe(keysAtRequest);
        expect(purge.signature).toMatch(/^[0-9a-f]{64}$/);

        const after = await orgRows(t.sql, a.orgId);
        expect(sum(after), JSON.stringify(after)).toBe(0);
        expect(await stores.blobs.list(`${a.orgId}/`)).toEqual([]);
        expect(await stores.kv.scan(`${a.orgId}:`)).toEqual([]);
        expect(await stores.keysContaining(a.orgId)).toEqual([]);
        // The purge record holds ids and counts only.
        const { rows } = await t.sql.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM purges WHERE org_id = $1",
          [a.orgId],
        );
        expect(rows[0]?.n).toBeGreaterThanOrEqual(1);
        expect(await footprint(b.orgId)).toEqual(otherBefore);
      });

      it("verifies the stored certificate and a faithful copy; refuses a tampered one", async () => {
        const purge = await getPurge(purgeId);
        const verify = (body?: unknown) =>
          t.call("POST", `/v1/purges/${purgeId}/verify`, { token: t.rootToken, body });
        expect(await (await verify()).json()).toEqual({ valid: true });
        const copy = { certificate: purge.certificate, signature: purge.signature };
        expect(await (await verify(copy)).json()).toEqual({ valid: true });
        const cert = purge.certificate as NonNullable<Purge["certificate"]>;
        const tampered = [
          { ...cert, counts: { ...cert.counts, objects: cert.counts.objects + 1 } },
          { ...cert, finished_at: new Date().toISOString() },
          { ...cert, org_id: b.orgId },
        ];
        for (const certificate of tampered) {
          expect(await (await verify({ certificate, signature: purge.signature })).json()).toEqual({
            valid: false,
          });
        }
        const flipped = `${purge.signature?.slice(0, -1)}${purge.signature?.endsWith("0") ? "1" : "0"}`;
        expect(await (await verify({ certificate: cert, signature: flipped })).json()).toEqual({
          valid: false,
        });
        // A posted copy is the thing checked: an empty signature, a field the server
        // never signs or a client's deep nesting is a malformed copy (400), never a
        // fall-back to the stored certificate's verdict.
        let deep: unknown = 1;
        for (let i = 0; i < 1_000; i++) deep = { a: deep };
        for (const bad of [
          { certificate: tampered[0], signature: "" },
          { certificate: { ...cert, extra: true }, signature: purge.signature },
          { certificate: { ...cert, counts: { ...cert.counts, extra: deep } }, signature: purge.signature },
          { certificate: cert },
        ]) {
          expect((await verify(bad)).status).toBe(400);
        }
        await t.sql.query(
          "UPDATE purges SET certificate = jsonb_set(certificate, '{counts,objects}', '0'::jsonb) WHERE id = $1",
          [purgeId],
        );
        expect(await (await verify()).json()).toEqual({ valid: false });
        await t.sql.query("UPDATE purges SET certificate = $2 WHERE id = $1", [
          purgeId,
          JSON.stringify(cert),
        ]);
        expect(await (await verify()).json()).toEqual({ valid: true });
      });

      it("after the purge only a platform admin reads it, and asking again returns it", async () => {
        expect((await t.call("GET", `/v1/purges/${purgeId}`, { token: a.token })).status).toBe(401);
        expect((await t.call("GET", `/v1/purges/${purgeId}`, { token: c.token })).status).toBe(404);
        const again = await t.call("DELETE", `/v1/orgs/${a.orgId}?confirm=${a.orgId}`, {
          token: t.rootToken,
        });
        expect(again.status).toBe(202);
        expect(await again.json()).toEqual({ id: purgeId, status: "succeeded" });
      });
    });

    describe("an agent purge", () => {
      let purgeId: string;
      const [gone, kept] = [0, 1] as const;

      it("is org:admin's, for its own org's agents; the agent's tokens are refused at once", async () => {
        const agent = b.agents[gone];
        const bound = await newToken(t, b.token, { preset: "admin", agent_id: b.agents[kept] });
        const mine = await newToken(t, b.token, { preset: "read-only", agent_id: agent });
        expect((await t.call("GET", `/v1/agents/${agent}`, { token: mine.token })).status).toBe(200);
        const operator = await newToken(t, b.token, { preset: "operator" });
        const path = `/v1/agents/${agent}?purge=true`;
        expect((await t.call("DELETE", path, { token: operator.token })).status).toBe(403);
        expect((await t.call("DELETE", path, { token: bound.token })).status).toBe(404);
        expect((await t.call("DELETE", path, { token: c.token })).status).toBe(404);

        const res = await t.call("DELETE", path, { token: b.token });
        expect(res.status).toBe(202);
        const ref = await res.json();
        expect(ref).toEqual({ id: expect.any(String), status: "queued" });
        purgeId = ref.id;
        expect((await t.call("GET", `/v1/agents/${agent}`, { token: mine.token })).status).toBe(401);
        expect((await t.call("GET", `/v1/agents/${agent}`, { token: b.token })).status).toBe(404);
        const again = await t.call("DELETE", path, { token: b.token });
        expect(await again.json()).toEqual({ id: purgeId, status: "queued" });
        const audit = await t.sql.query(
          "SELECT 1 FROM audit_log WHERE org_id = $1 AND action = 'agent.purge'",
          [b.orgId],
        );
        expect(audit.rows).toHaveLength(1);
      });

      it("erases the agent and everything it owns, and leaves the org's other agents as they were", async () => {
        const agent = b.agents[gone];
        const other = b.agents[kept];
        const mineBefore = await agentRows(t.sql, b.orgId, agent);
        expect(mineBefore.memories).toBeGreaterThan(0);
        expect(mineBefore.sessions).toBeGreaterThan(0);
        expect(mineBefore.memory_versions_of_agent).toBeGreaterThan(0);
        const otherBefore = await agentRows(t.sql, b.orgId, other);
        const otherObjects = [
          ...(await stores.blobs.list(`${b.orgId}/${other}/`)),
          ...(await stores.blobs.list(`${b.orgId}/exports/${other}/`)),
        ];
        expect(otherObjects.length).toBeGreaterThan(1);
        const objectsBefore =
          (await objectsOf(`${b.orgId}/${agent}/`)) + (await objectsOf(`${b.orgId}/exports/${agent}/`));
        expect(objectsBefore).toBeGreaterThan(1);

        await t.jobWorker.drain();
        const purge = await getPurge(purgeId, b.token);
        expect(purge.status).toBe("succeeded");
        expect(purge.certificate).toMatchObject({ scope: "agent", org_id: b.orgId, agent_id: agent });
        expect(purge.certificate?.counts.objects).toBe(objectsBefore);
        expect(purge.certificate?.counts.keys).toBe(1);
        expect(purge.certificate?.counts.rows).toMatchObject({ agents: 1, memories: mineBefore.memories });

        expect(sum(await agentRows(t.sql, b.orgId, agent))).toBe(0);
        expect(await stores.blobs.list(`${b.orgId}/${agent}/`)).toEqual([]);
        expect(await stores.blobs.list(`${b.orgId}/exports/${agent}/`)).toEqual([]);
        expect(await stores.kv.scan(hotSetKey(b.orgId, agent))).toEqual([]);
        expect(await stores.keysContaining(agent)).toEqual([]);

        expect(await agentRows(t.sql, b.orgId, other)).toEqual(otherBefore);
        expect([
          ...(await stores.blobs.list(`${b.orgId}/${other}/`)),
          ...(await stores.blobs.list(`${b.orgId}/exports/${other}/`)),
        ]).toEqual(otherObjects);
        expect(await stores.kv.scan(hotSetKey(b.orgId, other))).toHaveLength(1);
        expect((await t.call("GET", `/v1/agents/${other}/memories`, { token: b.token })).status).toBe(200);
        const verify = await t.call("POST", `/v1/purges/${purgeId}/verify`, { token: b.token });
        expect(await verify.json()).toEqual({ valid: true });
        expect((await t.call("GET", `/v1/purges/${purgeId}`, { token: c.token })).status).toBe(404);
      });
    });

    it("survives an object-store outage: fails retryably with its progress kept, resumes, and certifies only at the end", async () => {
      const org = await newOrg(t, "purge-outage");
      const agent = (await newAgent(t, org.token, "outage-agent")).id;
      for (const content of ["Lives in Oslo", "Likes tea"]) {
        await t.call("POST", `/v1/agents/${agent}/memories`, {
          token: org.token,
          body: { content, category: "factual" },
        });
      }
      const keys = Array.from({ length: 7 }, (_, i) => `${org.orgId}/${agent}/2026/02/s${i}.ndjson`);
      for (const k of keys)
        await stores.blobs.put(k, new Uint8Array([1]), { contentType: "application/x-ndjson" });
      const res = await t.call("DELETE", `/v1/orgs/${org.orgId}?confirm=${org.orgId}`, { token: org.token });
      const { id } = await res.json();

      stores.down();
      try {
        await t.jobWorker.drain();
        const failed = await getPurge(id);
        expect(failed).toMatchObject({
          status: "failed",
          last_error: "UNAVAILABLE",
          certificate: null,
          signature: null,
        });
        expect(failed.progress.phase).toBe("objects");
        expect(failed.progress.rows.memories).toBe(2);
        const job = await t.sql.query(
          "SELECT status, last_error FROM jobs WHERE org_id = $1 AND type = 'org.purge'",
          [org.orgId],
        );
        expect(job.rows[0]).toEqual({ status: "failed", last_error: "UNAVAILABLE" });
        // Asked again while its retry is pending: the same purge, no second job.
        const again = await t.call("DELETE", `/v1/orgs/${org.orgId}?confirm=${org.orgId}`, {
          token: t.rootToken,
        });
        expect(await again.json()).toEqual({ id, status: "failed" });
        // The retries run out (as if the outage lasted): asking again queues it once more.
        await t.sql.query("UPDATE jobs SET status = 'dead' WHERE org_id = $1 AND type = 'org.purge'", [
          org.orgId,
        ]);
      } finally {
        stores.up();
      }
      expect(await stores.blobs.list(`${org.orgId}/`)).toHaveLength(keys.length);
      const resumed = await t.call("DELETE", `/v1/orgs/${org.orgId}?confirm=${org.orgId}`, {
        token: t.rootToken,
      });
      expect(await resumed.json()).toEqual({ id, status: "queued" });
      await t.jobWorker.drain();
      const done = await getPurge(id);
      expect(done.status).toBe("succeeded");
      expect(done.attempts).toBe(2);
      expect(done.certificate?.counts.objects).toBe(keys.length);
      expect(done.certificate?.counts.rows.memories).toBe(2);
      expect(await stores.blobs.list(`${org.orgId}/`)).toEqual([]);
      expect(sum(await orgRows(t.sql, org.orgId))).toBe(0);
      expect((await t.call("POST", `/v1/purges/${id}/verify`, { token: t.rootToken })).status).toBe(200);
    });
  });
}
