import { sha256Hex } from "../lib/crypto.js";
import type { SqlClient } from "./ports.js";

/** One numbered SQL file. */
export interface Migration {
  /** File name, e.g. `0002_identity.sql`; the number orders them. */
  name: string;
  sql: string;
}

export interface MigrationReport {
  applied: string[];
  skipped: string[];
}

const NAME_RE = /^\d{4}_[a-z0-9_]+\.sql$/;
// Arbitrary constant: serialises concurrent runners (two Node processes starting at once).
const LOCK_KEY = 7_342_001;

/**
 * Applies pending migrations in name order, each in its own transaction with the
 * file recorded in `schema_migrations`. Safe to re-run and to run concurrently.
 * @throws Error when an applied file was edited afterwards (checksum mismatch).
 */
export async function migrate(sql: SqlClient, migrations: readonly Migration[]): Promise<MigrationReport> {
  for (const m of migrations) {
    if (!NAME_RE.test(m.name)) throw new Error(`migration file name not allowed: ${m.name}`);
  }
  const ordered = [...migrations].sort((a, b) => a.name.localeCompare(b.name));
  await sql.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const report: MigrationReport = { applied: [], skipped: [] };
  for (const m of ordered) {
    const checksum = await sha256Hex(m.sql);
    const applied = await sql.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
      const { rows } = await tx.query<{ checksum: string }>(
        "SELECT checksum FROM schema_migrations WHERE name = $1",
        [m.name],
      );
      const existing = rows[0];
      if (existing) {
        if (existing.checksum !== checksum) {
          throw new Error(`migration ${m.name} was changed after it was applied`);
        }
        return false;
      }
      await tx.exec(m.sql);
      await tx.query("INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)", [m.name, checksum]);
      return true;
    });
    (applied ? report.applied : report.skipped).push(m.name);
  }
  return report;
}

/** Names of migrations not yet applied (readiness: the database is migrated). */
export async function pendingMigrations(sql: SqlClient, migrations: readonly Migration[]): Promise<string[]> {
  const { rows } = await sql
    .query<{ name: string }>("SELECT name FROM schema_migrations")
    .catch(() => ({ rows: [] as { name: string }[] }));
  const done = new Set(rows.map((r) => r.name));
  return migrations.map((m) => m.name).filter((n) => !done.has(n));
}
