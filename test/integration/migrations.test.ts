import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPglite } from "../../src/adapters/pglite/open.js";
import { createPgliteSqlClient } from "../../src/adapters/pglite/sql-client.js";
import { analyzeTables } from "../../src/db/maintenance.js";
import { migrate, pendingMigrations } from "../../src/db/migrate.js";
import { loadMigrations } from "../../src/db/migrations-fs.js";
import type { SqlClient } from "../../src/db/ports.js";
import { LATEST_MIGRATION } from "../../src/db/schema-version.js";

let sql: SqlClient;

beforeAll(async () => {
  sql = createPgliteSqlClient(await openPglite(), { ownsDb: true });
});
afterAll(() => sql.close());

describe("migration runner", () => {
  it("applies every file once, records it, and is safe to re-run", async () => {
    const files = await loadMigrations();
    expect(await pendingMigrations(sql, files)).toEqual(files.map((f) => f.name));
    const first = await migrate(sql, files);
    expect(first.applied).toEqual(files.map((f) => f.name));
    const second = await migrate(sql, files);
    expect(second).toEqual({ applied: [], skipped: files.map((f) => f.name) });
    expect(await pendingMigrations(sql, files)).toEqual([]);
    expect(files.at(-1)?.name).toBe(LATEST_MIGRATION);
  });

  it("creates every table of the data model with RLS forced on tenant tables", async () => {
    const { rows } = await sql.query<{
      relname: string;
      relrowsecurity: boolean;
      relforcerowsecurity: boolean;
    }>(
      `SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
        WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace`,
    );
    const tenant = [
      "orgs",
      "users",
      "agents",
      "api_tokens",
      "directives",
      "directive_versions",
      "sessions",
      "session_messages",
      "memories",
      "memory_versions",
      "memory_relationships",
      "memory_tags",
      "idempotency_keys",
      "job_failures",
      "session_archives",
      "assembly_events",
      "audit_log",
      "jobs",
      "purges",
      "purge_objects",
      // Cross-org maintenance state: RLS forced too, readable only under its purpose.
      "retention_cursor",
    ];
    for (const name of tenant) {
      const row = rows.find((r) => r.relname === name);
      expect(row, name).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
    }
    const { rows: cols } = await sql.query<{ t: string }>(
      "SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'memories'::regclass AND attname = 'embedding'",
    );
    expect(cols[0]?.t).toBe("vector(384)");
    // The retention sweep's resume point: one row, there from the start.
    const cursor = await sql.query("SELECT id, last_org_id FROM retention_cursor");
    expect(cursor.rows).toEqual([{ id: true, last_org_id: null }]);
  });

  it("runs each file in a transaction: a failing file leaves nothing behind", async () => {
    const bad = [
      { name: "9000_broken.sql", sql: "CREATE TABLE half_done (id int); SELECT no_such_function();" },
    ];
    await expect(migrate(sql, bad)).rejects.toThrow();
    const { rows } = await sql.query("SELECT to_regclass('half_done') AS t");
    expect(rows[0]).toEqual({ t: null });
    expect(await pendingMigrations(sql, bad)).toEqual(["9000_broken.sql"]);
  });

  it("refuses a file edited after it was applied, and bad file names", async () => {
    const files = await loadMigrations();
    const edited = files.map((f, i) => (i === 1 ? { ...f, sql: `${f.sql}\n-- edited` } : f));
    await expect(migrate(sql, edited)).rejects.toThrow(/changed after it was applied/);
    await expect(migrate(sql, [{ name: "evil.sql", sql: "" }])).rejects.toThrow(/not allowed/);
  });

  it("refreshes planner statistics for the embedded database (no autovacuum there)", async () => {
    const before = await sql.query<{ n: number }>(
      "SELECT reltuples AS n FROM pg_class WHERE relname = 'memories'",
    );
    expect(Number(before.rows[0]?.n)).toBe(-1); // never analysed
    await analyzeTables(sql);
    const after = await sql.query<{ n: number }>(
      "SELECT reltuples AS n FROM pg_class WHERE relname = 'memories'",
    );
    expect(Number(after.rows[0]?.n)).toBeGreaterThanOrEqual(0);
  });

  it("serialises concurrent runners", async () => {
    const extra = [
      {
        name: "9001_counter.sql",
        sql: "CREATE TABLE counter_once (id int PRIMARY KEY); INSERT INTO counter_once VALUES (1);",
      },
    ];
    const results = await Promise.all([migrate(sql, extra), migrate(sql, extra)]);
    expect(results.flatMap((r) => r.applied)).toEqual(["9001_counter.sql"]);
  });
});
