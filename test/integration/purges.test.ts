import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBlobStore } from "../../src/adapters/in-memory/blob-store.js";
import { createMemoryKeyValue } from "../../src/adapters/in-memory/key-value.js";
import { withOrg } from "../../src/db/tenant.js";
import type { KeyValue } from "../../src/kv/ports.js";
import { createTestApp, newAgent, newOrg, type TestApp } from "../support/app.js";
import { switchableBlobs } from "../support/switchable-blobs.js";
import { runPurgeSuite } from "./purges.suite.js";

/** The in-memory key-value store, remembering every key written so a test can look for a text anywhere in keys. */
function tracked(inner: KeyValue) {
  const written = new Set<string>();
  const kv: KeyValue = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (typeof args[0] === "string" && !["scan", "deletePrefix"].includes(String(prop)))
          written.add(args[0]);
        return value.apply(target, args);
      };
    },
  });
  return {
    kv,
    async containing(text: string) {
      const live: string[] = [];
      for (const k of written) if (k.includes(text) && (await inner.scan(k)).includes(k)) live.push(k);
      return live;
    },
  };
}

runPurgeSuite("PGlite, in-memory stores", "pglite", async () => {
  const blobs = switchableBlobs(createMemoryBlobStore());
  const kv = tracked(createMemoryKeyValue());
  return {
    blobs: blobs.store,
    kv: kv.kv,
    down: () => blobs.setDown(true),
    up: () => blobs.setDown(false),
    keysContaining: kv.containing,
    close: async () => {},
  };
});

describe("a purge run interrupted mid-way (PGlite)", () => {
  let t: TestApp;
  const blobs = switchableBlobs(createMemoryBlobStore());
  beforeAll(async () => {
    t = await createTestApp({ JOB_RETRY_DELAYS_MS: "200,200,200" }, { blobs: blobs.store });
  });
  afterAll(() => t.close());

  it("counts each object once: what a failed run took on is not counted again by the retry", async () => {
    const org = await newOrg(t, "interrupted");
    const agent = (await newAgent(t, org.token, "interrupted-agent")).id;
    for (let i = 0; i < 250; i++) {
      await blobs.store.put(`${org.orgId}/${agent}/2026/03/s${i}.ndjson`, new Uint8Array([1]), {
        contentType: "application/x-ndjson",
      });
    }
    const { id } = await (
      await t.call("DELETE", `/v1/orgs/${org.orgId}?confirm=${org.orgId}`, { token: org.token })
    ).json();
    blobs.failDeletesAfter(130);
    await t.jobWorker.drain();
    blobs.failDeletesAfter(Number.POSITIVE_INFINITY);
    const failed = await (await t.call("GET", `/v1/purges/${id}`, { token: t.rootToken })).json();
    expect(failed).toMatchObject({ status: "failed", certificate: null });
    // Two chunks of 100 taken on (recorded, then deleted); the second failed after 30 deletes.
    expect(failed.progress.objects).toBe(200);
    expect(await blobs.store.list(`${org.orgId}/`)).toHaveLength(120);

    await new Promise((r) => setTimeout(r, 250));
    await t.jobWorker.drain();
    const done = await (await t.call("GET", `/v1/purges/${id}`, { token: t.rootToken })).json();
    expect(done.status).toBe("succeeded");
    expect(done.certificate.counts.objects).toBe(250);
    expect(await blobs.store.list(`${org.orgId}/`)).toEqual([]);
  });

  it("two runs of one purge racing (the first's lease lapsed mid-chunk) count each object once", async () => {
    const org = await newOrg(t, "raced");
    const agent = (await newAgent(t, org.token, "raced-agent")).id;
    const keys = Array.from(
      { length: 250 },
      (_, i) => `${org.orgId}/${agent}/2026/04/s${String(i).padStart(3, "0")}.ndjson`,
    );
    for (const k of keys)
      await blobs.store.put(k, new Uint8Array([1]), { contentType: "application/x-ndjson" });
    const { id } = await (
      await t.call("DELETE", `/v1/orgs/${org.orgId}?confirm=${org.orgId}`, { token: org.token })
    ).json();
    // The first run stalls inside its first chunk of deletes, long enough for its lease to lapse.
    let reached = () => {};
    const stalled = new Promise<void>((r) => {
      reached = r;
    });
    let release = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    blobs.setBeforeDelete(async (k) => {
      if (k !== keys[50]) return;
      blobs.setBeforeDelete(null);
      reached();
      await released;
    });
    try {
      const first = t.jobWorker.drain();
      await stalled;
      await t.sql.query(
        "UPDATE jobs SET lease_until = now() - interval '1 second' WHERE org_id = $1 AND type = 'org.purge'",
        [org.orgId],
      );
      // Another worker claims the lapsed job and finishes the purge meanwhile.
      // Another worker claims the lapsed job and finishes the purge meanwhile (the org's
      // row goes with the certificate, and the job with it: both runs end "lost").
      await t.sibling().jobWorker.drain();
      const meanwhile = await (await t.call("GET", `/v1/purges/${id}`, { token: t.rootToken })).json();
      expect(meanwhile.status).toBe("succeeded");
      release();
      await first;
    } finally {
      blobs.setBeforeDelete(null);
      release();
    }
    const done = await (await t.call("GET", `/v1/purges/${id}`, { token: t.rootToken })).json();
    expect(done.status).toBe("succeeded");
    expect(done.certificate.counts.objects).toBe(keys.length);
    expect(done.progress.objects).toBe(keys.length);
    expect(await blobs.store.list(`${org.orgId}/`)).toEqual([]);
    // The first run stopped when it found its job gone, and left the record to the second.
    expect(t.logs.some((l) => l.includes('"purge run superseded"') && l.includes(id))).toBe(true);
    const ledger = await t.sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM purge_objects WHERE purge_id = $1",
      [id],
    );
    expect(ledger.rows[0]?.n).toBe(0);
  });

  it("the audit-log eraser refuses an org whose purge is not running", async () => {
    const org = await newOrg(t, "alive");
    await expect(
      withOrg(t.sql, org.orgId, (tx) => tx.query("SELECT engram_purge_audit_log(100)")),
    ).rejects.toMatchObject({ sqlState: "42501" });
    await expect(
      withOrg(t.sql, org.orgId, (tx) => tx.query("DELETE FROM audit_log WHERE org_id = $1", [org.orgId])),
    ).rejects.toMatchObject({ sqlState: "42501" });
    const { rows } = await t.sql.query("SELECT count(*)::int AS n FROM audit_log WHERE org_id = $1", [
      org.orgId,
    ]);
    expect(rows[0]).toEqual({ n: 1 });
  });
});
