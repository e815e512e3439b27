import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openPglite } from "../../src/adapters/pglite/open.js";
import { createPgliteSqlClient } from "../../src/adapters/pglite/sql-client.js";
import { createPgliteWorkerClient } from "../../src/adapters/pglite/worker-client.js";
import { migrate } from "../../src/db/migrate.js";
import { loadMigrations } from "../../src/db/migrations-fs.js";
import { type SqlClient, SqlError } from "../../src/db/ports.js";
import { runSqlClientContract } from "./sql-client.contract.js";

runSqlClientContract("pglite-worker", async () => {
  const client = await createPgliteWorkerClient({});
  await migrate(client, await loadMigrations());
  return { client, close: () => client.close() };
});

// Both embedded adapters have one session: a transaction waits for the one before it,
// and one whose caller gave up meanwhile must be dropped rather than run.
const singleSession: [string, () => Promise<SqlClient>][] = [
  ["in-process", async () => createPgliteSqlClient(await openPglite(), { ownsDb: true })],
  ["worker thread", () => createPgliteWorkerClient({})],
];

describe.each(singleSession)("embedded database (%s): queued transactions", (_name, open) => {
  it("drops a queued transaction whose signal aborts before its turn, and keeps serving", async () => {
    const sql = await open();
    try {
      await sql.exec("CREATE TABLE queued (n int)");
      let release = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const first = sql.transaction(async (tx) => {
        await tx.query("INSERT INTO queued VALUES (1)");
        await gate;
      });
      const controller = new AbortController();
      let ran = false;
      const second = sql
        .transaction(
          async (tx) => {
            ran = true;
            await tx.query("INSERT INTO queued VALUES (2)");
          },
          { signal: controller.signal },
        )
        .catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 20));
      controller.abort();
      release();
      await first;
      const err = await second;
      expect(err).toBeInstanceOf(SqlError);
      expect((err as SqlError).sqlState).toBe("57014");
      expect(ran).toBe(false);
      const { rows } = await sql.query<{ n: number }>("SELECT n FROM queued ORDER BY n");
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await sql.close();
    }
  });
});

describe("embedded database on a worker thread", () => {
  it("persists to its data directory across restarts", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "engram-worker-db-"));
    try {
      const a = await createPgliteWorkerClient({ dataDir, sharedBuffersMb: 32 });
      await a.exec("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')");
      expect((await a.query<{ s: string }>("SELECT current_setting('shared_buffers') AS s")).rows).toEqual([
        { s: "32MB" },
      ]);
      await a.close();
      const b = await createPgliteWorkerClient({ dataDir });
      expect((await b.query<{ note: string }>("SELECT note FROM kept")).rows).toEqual([
        { note: "still here" },
      ]);
      await b.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("runs high-priority transactions before queued normal ones", async () => {
    const sql = await createPgliteWorkerClient({});
    try {
      let release = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const order: string[] = [];
      const busy = sql.transaction(() => gate);
      const queued = [
        sql.transaction(async () => void order.push("normal 1")),
        sql.transaction(async () => void order.push("normal 2")),
        sql.transaction(async () => void order.push("high"), { priority: "high" }),
      ];
      release();
      await Promise.all([busy, ...queued]);
      expect(order).toEqual(["high", "normal 1", "normal 2"]);
    } finally {
      await sql.close();
    }
  });

  it("rejects pending and later calls once the thread is gone", async () => {
    const sql = await createPgliteWorkerClient({});
    await sql.close();
    const err = await sql.query("SELECT 1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
  });

  it("carries the SQLSTATE and constraint of a failed statement inside a transaction", async () => {
    const sql = await createPgliteWorkerClient({});
    try {
      await sql.exec("CREATE TABLE u (k text CONSTRAINT u_k UNIQUE)");
      const err = await sql
        .transaction(async (tx) => {
          await tx.query("INSERT INTO u VALUES ('a')");
          await tx.query("INSERT INTO u VALUES ('a')");
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SqlError);
      expect((err as SqlError).sqlState).toBe("23505");
      expect((err as SqlError).constraint).toBe("u_k");
      expect((await sql.query("SELECT * FROM u")).rows).toEqual([]);
    } finally {
      await sql.close();
    }
  });
});
