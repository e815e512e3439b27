import type { SqlExecutor } from "../db/ports.js";
import type { PurgeTarget } from "./purge-rows.js";

/** A table that holds org rows, and whether it also names an agent. */
export interface OrgTable {
  name: string;
  hasAgent: boolean;
}

/**
 * Every table of the schema with an `org_id` column, read from the catalog (not from
 * a list in code), so a table a later migration adds cannot escape a purge. The
 * purge records themselves are left out: they are the deletion record.
 */
export async function orgTables(tx: SqlExecutor): Promise<OrgTable[]> {
  const { rows } = await tx.query<{ name: string; has_agent: boolean }>(
    `SELECT c.relname AS name, bool_or(a.attname = 'agent_id') AS has_agent
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
        AND a.attname IN ('org_id', 'agent_id') AND c.relname <> 'purges'
      GROUP BY c.relname
     HAVING bool_or(a.attname = 'org_id')
      ORDER BY c.relname`,
  );
  return rows.map((r) => ({ name: String(r.name), hasAgent: Boolean(r.has_agent) }));
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Rows of the target still present, per table (tables with none are left out). For
 * an org: every org table (the run's own job aside). For an agent: every table that
 * names an agent, its row in `agents`, and its jobs and dead letters; rows that hang
 * off those (messages, versions, tags) cannot outlive them, their foreign keys see to it.
 */
export async function remainingRows(tx: SqlExecutor, t: PurgeTarget): Promise<Record<string, number>> {
  const left: Record<string, number> = {};
  const count = async (table: string, where: string, params: unknown[]) => {
    const { rows } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${quote(table)} WHERE ${where}`,
      params,
    );
    const n = Number(rows[0]?.n ?? 0);
    if (n > 0) left[table] = (left[table] ?? 0) + n;
  };
  const tables = await orgTables(tx);
  if (t.agentId === null) {
    for (const { name } of tables) {
      if (name === "jobs") await count(name, "org_id = $1 AND id <> $2", [t.orgId, t.jobId]);
      else await count(name, "org_id = $1", [t.orgId]);
    }
    return left;
  }
  for (const { name, hasAgent } of tables) {
    if (hasAgent) await count(name, "org_id = $1 AND agent_id = $2", [t.orgId, t.agentId]);
  }
  await count("agents", "org_id = $1 AND id = $2", [t.orgId, t.agentId]);
  const byPayload = "org_id = $1 AND payload->>'agent_id' = $2 AND id <> $3";
  await count("jobs", byPayload, [t.orgId, t.agentId, t.jobId]);
  await count("job_failures", "org_id = $1 AND payload->>'agent_id' = $2", [t.orgId, t.agentId]);
  await count(
    "idempotency_keys",
    "org_id = $1 AND (scope = $2 OR (scope = 'memory.export' AND result->>'agent_id' = $3))",
    [t.orgId, `session.append:${t.agentId}`, t.agentId],
  );
  return left;
}
