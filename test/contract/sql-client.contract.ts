import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isUniqueViolation, type SqlClient, SqlError } from "../../src/db/ports.js";
import { APP_ROLE, queryAsOrg, withOrg } from "../../src/db/tenant.js";
import { uuidv7 } from "../../src/lib/ids.js";

export interface SqlClientFixture {
  /** A client for a database that has all migrations applied. */
  client: SqlClient;
  close(): Promise<void>;
}

/**
 * The SqlClient contract: every adapter (PGlite, pg, Neon) must pass the same suite
 * against a real database.
 */
export function runSqlClientContract(name: string, open: () => Promise<SqlClientFixture>): void {
  describe(`SqlClient contract: ${name}`, () => {
    let fx: SqlClientFixture;
    let sql: SqlClient;
    const table = `contract_${name.replace(/\W/g, "_")}`;

    beforeAll(async () => {
      fx = await open();
      sql = fx.client;
      await sql.exec(`DROP TABLE IF EXISTS ${table};
        CREATE TABLE ${table} (id int PRIMARY KEY, label text UNIQUE, doc jsonb, big bigint, at timestamptz, v vector(3));`);
    });
    afterAll(async () => {
      await fx?.close();
    });

    it("runs parameterised statements and reports affected rows", async () => {
      const res = await sql.query(`INSERT INTO ${table} (id, label) VALUES ($1, $2), ($3, $4)`, [
        1,
        "a",
        2,
        "b",
      ]);
      expect(res.rowCount).toBe(2);
      const { rows } = await sql.query<{ id: number; label: string }>(
        `SELECT id, label FROM ${table} WHERE id = ANY($1::int[]) ORDER BY id`,
        [[1, 2]],
      );
      expect(rows).toEqual([
        { id: 1, label: "a" },
        { id: 2, label: "b" },
      ]);
    });

    it("runs multi-statement scripts with exec", async () => {
      await sql.exec(
        `INSERT INTO ${table} (id, label) VALUES (10, 'x'); UPDATE ${table} SET label = 'y' WHERE id = 10;`,
      );
      const { rows } = await sql.query<{ label: string }>(`SELECT label FROM ${table} WHERE id = 10`);
      expect(rows[0]?.label).toBe("y");
    });

    it("round-trips uuid, jsonb, bigint, timestamptz and vector values", async () => {
      const id = uuidv7();
      const at = new Date("2026-01-02T03:04:05.678Z");
      await sql.query(`INSERT INTO ${table} (id, doc, big, at, v) VALUES (20, $1, $2, $3, $4)`, [
        JSON.stringify({ id, n: [1, 2] }),
        "9007199254740993",
        at.toISOString(),
        "[1,0,0]",
      ]);
      const { rows } = await sql.query<Record<string, unknown>>(
        `SELECT doc, big::text AS big, at, (v <=> '[0,1,0]') AS cos FROM ${table} WHERE id = 20`,
      );
      const row = rows[0] ?? {};
      expect(row.doc).toEqual({ id, n: [1, 2] });
      expect(row.big).toBe("9007199254740993");
      expect(new Date(row.at as string | Date).toISOString()).toBe(at.toISOString());
      expect(Number(row.cos)).toBeCloseTo(1, 6);
    });

    it("commits a transaction when the callback resolves", async () => {
      const out = await sql.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${table} (id, label) VALUES (30, 'commit')`);
        return "done";
      });
      expect(out).toBe("done");
      const { rows } = await sql.query(`SELECT 1 FROM ${table} WHERE id = 30`);
      expect(rows).toHaveLength(1);
    });

    it("rolls back everything and rethrows when the callback throws", async () => {
      const boom = new Error("boom");
      await expect(
        sql.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${table} (id, label) VALUES (40, 'rolled-back')`);
          throw boom;
        }),
      ).rejects.toBe(boom);
      const { rows } = await sql.query(`SELECT 1 FROM ${table} WHERE id = 40`);
      expect(rows).toHaveLength(0);
    });

    it("maps a unique violation to SqlError 23505 with the constraint, and stays usable", async () => {
      const err = await sql
        .transaction(async (tx) => {
          await tx.query(`INSERT INTO ${table} (id, label) VALUES (50, 'dup-ok')`);
          await tx.query(`INSERT INTO ${table} (id, label) VALUES (51, 'a')`);
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SqlError);
      expect((err as SqlError).sqlState).toBe("23505");
      expect(isUniqueViolation(err, `${table}_label_key`)).toBe(true);
      expect((err as SqlError).retryable).toBe(false);
      const { rows } = await sql.query(`SELECT 1 FROM ${table} WHERE id = 50`);
      expect(rows).toHaveLength(0);
      expect((await sql.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    });

    it("scopes role and org to the transaction (SET LOCAL), leaving the session clean", async () => {
      const org = uuidv7();
      const inside = await withOrg(sql, org, async (tx) => {
        const { rows } = await tx.query<{ u: string; o: string }>(
          "SELECT current_user AS u, current_setting('app.current_org_id', true) AS o",
        );
        return rows[0];
      });
      expect(inside).toEqual({ u: APP_ROLE, o: org });
      const { rows } = await sql.query<{ u: string; o: string | null }>(
        "SELECT current_user AS u, current_setting('app.current_org_id', true) AS o",
      );
      expect(rows[0]?.u).not.toBe(APP_ROLE);
      expect(rows[0]?.o ?? "").toBe("");
    });

    it("runs one statement scoped to an org with extra transaction-local settings (queryAsOrg)", async () => {
      const org = uuidv7();
      const { rows } = await queryAsOrg<{ role: string; org: string; ef: string }>(
        sql,
        org,
        "SELECT current_user AS role, current_setting('app.current_org_id') AS org, current_setting('hnsw.ef_search') AS ef",
        [],
        { settings: [["hnsw.ef_search", "123"]] },
      );
      expect(rows).toEqual([{ role: APP_ROLE, org, ef: "123" }]);
      const after = await sql.query<{ org: string }>(
        "SELECT coalesce(current_setting('app.current_org_id', true), '') AS org",
      );
      expect(after.rows[0]?.org ?? "").toBe("");
      const failed = await queryAsOrg(sql, org, "SELECT 1/0", []).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(SqlError);
      expect((failed as SqlError).sqlState).toBe("22012");
    });

    it("does not start a transaction whose caller already gave up", async () => {
      const controller = new AbortController();
      controller.abort();
      let ran = false;
      const err = await sql
        .transaction(
          async () => {
            ran = true;
          },
          { signal: controller.signal },
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SqlError);
      expect((err as SqlError).sqlState).toBe("57014");
      expect(ran).toBe(false);
      expect((await sql.query<{ one: number }>("SELECT 1 AS one")).rows[0]?.one).toBe(1);
    });

    it("enforces row-level security even when a query forgets its org filter", async () => {
      const [a, b] = [uuidv7(), uuidv7()];
      for (const org of [a, b]) {
        await withOrg(sql, org, async (tx) => {
          await tx.query("INSERT INTO orgs (id, name, slug) VALUES ($1, 'o', $2)", [org, `o-${org}`]);
          await tx.query("INSERT INTO agents (id, org_id, name, slug) VALUES ($1, $2, 'agent', 'agent')", [
            uuidv7(),
            org,
          ]);
        });
      }
      const seen = await withOrg(sql, a, async (tx) =>
        (await tx.query<{ org_id: string }>("SELECT org_id FROM agents")).rows.map((r) => r.org_id),
      );
      expect(seen).toEqual([a]);
      const unscoped = await sql.transaction(async (tx) => {
        await tx.query("SELECT set_config('role', $1, true)", [APP_ROLE]);
        return (await tx.query("SELECT 1 FROM agents")).rows.length;
      });
      expect(unscoped).toBe(0);
      const forged = await withOrg(sql, a, (tx) =>
        tx.query("INSERT INTO agents (id, org_id, name, slug) VALUES ($1, $2, 'x', 'forged')", [uuidv7(), b]),
      ).catch((e: unknown) => e);
      expect(forged).toBeInstanceOf(SqlError);
    });
  });
}
