import type { SqlExecutor } from "../db/ports.js";

/**
 * What one purge run erases: the org, or one agent of it; `jobId` is the run's own
 * job, kept to the end, and `attempt` the claim it runs under (its lease renewals are
 * fenced by it).
 */
export interface PurgeTarget {
  orgId: string;
  agentId: string | null;
  jobId: string;
  attempt: number;
}

/** One batch's work: rows deleted per table, and how many of the step's own rows it took. */
export interface BatchResult {
  deleted: Record<string, number>;
  took: number;
}

/** A step deletes one family of rows in batches of `size` until a batch takes fewer. */
export interface RowStep {
  name: string;
  size: number;
  batch(tx: SqlExecutor, t: PurgeTarget, limit: number): Promise<BatchResult>;
}

const one = (table: string, n: number): BatchResult => ({ deleted: n > 0 ? { [table]: n } : {}, took: n });

/** A step of one statement: `sql` deletes up to $3 rows ($1 org, $2 agent or null, $4 the run's job). */
function simple(table: string, sql: string, size = 1000): RowStep {
  return {
    name: table,
    size,
    async batch(tx, t, limit) {
      const params = [t.orgId, t.agentId, limit, t.jobId];
      // Postgres refuses parameters a statement never names: send $4 only to those that use it.
      const { rowCount } = await tx.query(sql, sql.includes("$4") ? params : params.slice(0, 3));
      return one(table, rowCount);
    },
  };
}

// `$2::uuid IS NULL OR …` reads "the whole org, or this agent's rows".
const AGENT = (col: string) => `($2::uuid IS NULL OR ${col} = $2::uuid)`;

/**
 * Memories go in batches with what hangs off them: tags and links deleted (counted),
 * versions counted and removed by the foreign-key cascade (the app may not delete
 * history itself). Pointers from other memories into the batch are cleared first.
 */
const memories: RowStep = {
  name: "memories",
  size: 500,
  async batch(tx, t, limit) {
    const { rows } = await tx.query<{ id: string }>(
      `SELECT id FROM memories WHERE org_id = $1 AND ${AGENT("agent_id")} LIMIT $3 FOR UPDATE`,
      [t.orgId, t.agentId, limit],
    );
    const ids = rows.map((r) => String(r.id));
    if (ids.length === 0) return one("memories", 0);
    await tx.query(
      "UPDATE memories SET superseded_by = NULL WHERE org_id = $1 AND superseded_by = ANY($2::uuid[])",
      [t.orgId, ids],
    );
    await tx.query(
      "UPDATE memories SET merged_into = NULL WHERE org_id = $1 AND merged_into = ANY($2::uuid[])",
      [t.orgId, ids],
    );
    const versions = await tx.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM memory_versions WHERE memory_id = ANY($1::uuid[]) AND org_id = $2",
      [ids, t.orgId],
    );
    const links = await tx.query(
      "DELETE FROM memory_relationships WHERE org_id = $1 AND (source_id = ANY($2::uuid[]) OR target_id = ANY($2::uuid[]))",
      [t.orgId, ids],
    );
    const tags = await tx.query("DELETE FROM memory_tags WHERE memory_id = ANY($1::uuid[]) AND org_id = $2", [
      ids,
      t.orgId,
    ]);
    const gone = await tx.query("DELETE FROM memories WHERE org_id = $1 AND id = ANY($2::uuid[])", [
      t.orgId,
      ids,
    ]);
    const deleted: Record<string, number> = { memories: gone.rowCount };
    if (versions.rows[0]?.n) deleted.memory_versions = versions.rows[0].n;
    if (links.rowCount) deleted.memory_relationships = links.rowCount;
    if (tags.rowCount) deleted.memory_tags = tags.rowCount;
    return { deleted, took: ids.length };
  },
};

/** Sessions in batches with their messages and archive rows (the objects go in the objects phase). */
const sessions: RowStep = {
  name: "sessions",
  size: 100,
  async batch(tx, t, limit) {
    const { rows } = await tx.query<{ id: string }>(
      `SELECT id FROM sessions WHERE org_id = $1 AND ${AGENT("agent_id")} LIMIT $3 FOR UPDATE`,
      [t.orgId, t.agentId, limit],
    );
    const ids = rows.map((r) => String(r.id));
    if (ids.length === 0) return one("sessions", 0);
    const messages = await tx.query(
      "DELETE FROM session_messages WHERE session_id = ANY($1::uuid[]) AND org_id = $2",
      [ids, t.orgId],
    );
    const archives = await tx.query(
      "DELETE FROM session_archives WHERE session_id = ANY($1::uuid[]) AND org_id = $2",
      [ids, t.orgId],
    );
    const gone = await tx.query("DELETE FROM sessions WHERE org_id = $1 AND id = ANY($2::uuid[])", [
      t.orgId,
      ids,
    ]);
    const deleted: Record<string, number> = { sessions: gone.rowCount };
    if (messages.rowCount) deleted.session_messages = messages.rowCount;
    if (archives.rowCount) deleted.session_archives = archives.rowCount;
    return { deleted, took: ids.length };
  },
};

/** Directives with their versions (counted; removed by the cascade, as history is append-only). */
const directives: RowStep = {
  name: "directives",
  size: 200,
  async batch(tx, t, limit) {
    const { rows } = await tx.query<{ id: string }>(
      `SELECT id FROM directives WHERE org_id = $1 AND ${AGENT("agent_id")} LIMIT $3 FOR UPDATE`,
      [t.orgId, t.agentId, limit],
    );
    const ids = rows.map((r) => String(r.id));
    if (ids.length === 0) return one("directives", 0);
    const versions = await tx.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM directive_versions WHERE directive_id = ANY($1::uuid[]) AND org_id = $2",
      [ids, t.orgId],
    );
    const gone = await tx.query("DELETE FROM directives WHERE org_id = $1 AND id = ANY($2::uuid[])", [
      t.orgId,
      ids,
    ]);
    const deleted: Record<string, number> = { directives: gone.rowCount };
    if (versions.rows[0]?.n) deleted.directive_versions = versions.rows[0].n;
    return { deleted, took: ids.length };
  },
};

/** Idempotency keys of an agent: its turn keys, its exports and its sessions' extraction keys. */
const AGENT_KEYS = `(scope = 'session.append:' || ($2::uuid)::text
  OR (scope = 'memory.export' AND result->>'agent_id' = ($2::uuid)::text)
  OR (scope = 'memory.extract' AND split_part(key, ':', 1) IN (
        SELECT id::text FROM sessions WHERE org_id = $1 AND agent_id = $2::uuid)))`;

/**
 * The order rows are deleted in, so no foreign key is ever left dangling: queued work
 * first (it would write more), then the data, then identities. `$4` (the run's own
 * job) stays until the end: the org row's deletion takes it with it.
 */
export const ROW_STEPS: readonly RowStep[] = [
  simple(
    "jobs",
    `DELETE FROM jobs WHERE org_id = $1 AND id IN (
       SELECT id FROM jobs WHERE org_id = $1 AND id <> $4::uuid AND ($2::uuid IS NULL OR payload->>'agent_id' = ($2::uuid)::text)
        LIMIT $3)`,
  ),
  simple(
    "job_failures",
    `DELETE FROM job_failures WHERE org_id = $1 AND id IN (
       SELECT id FROM job_failures WHERE org_id = $1 AND ($2::uuid IS NULL OR payload->>'agent_id' = ($2::uuid)::text) LIMIT $3)`,
  ),
  simple(
    "idempotency_keys",
    `DELETE FROM idempotency_keys WHERE org_id = $1 AND (scope, key) IN (
       SELECT scope, key FROM idempotency_keys WHERE org_id = $1 AND ($2::uuid IS NULL OR ${AGENT_KEYS}) LIMIT $3)`,
  ),
  simple(
    "assembly_events",
    `DELETE FROM assembly_events WHERE org_id = $1 AND id IN (
       SELECT id FROM assembly_events WHERE org_id = $1 AND ${AGENT("agent_id")} LIMIT $3)`,
    5000,
  ),
  memories,
  sessions,
  directives,
  simple(
    "api_tokens",
    `DELETE FROM api_tokens WHERE org_id = $1 AND id IN (
       SELECT id FROM api_tokens WHERE org_id = $1 AND ${AGENT("agent_id")} LIMIT $3)`,
  ),
  simple(
    "agents",
    `DELETE FROM agents WHERE org_id = $1 AND id IN (
       SELECT id FROM agents WHERE org_id = $1 AND ($2::uuid IS NULL OR id = $2::uuid) LIMIT $3)`,
  ),
];

/** Steps only an org purge takes: its people and its audit trail (an agent's stays in the org). */
export const ORG_ONLY_STEPS: readonly RowStep[] = [
  simple(
    "users",
    "DELETE FROM users WHERE org_id = $1 AND $2::uuid IS NULL AND id IN (SELECT id FROM users WHERE org_id = $1 LIMIT $3)",
  ),
  {
    name: "audit_log",
    size: 5000,
    async batch(tx, _t, limit) {
      // Append-only for the app: migration 0011's function, which works only while this org's purge runs.
      const { rows } = await tx.query<{ n: number }>("SELECT engram_purge_audit_log($1) AS n", [limit]);
      return one("audit_log", Number(rows[0]?.n ?? 0));
    },
  },
];

/** Tables the steps above cover; any other table with an `org_id` is purged generically. */
export const KNOWN_TABLES = new Set([
  "jobs",
  "job_failures",
  "idempotency_keys",
  "assembly_events",
  "memories",
  "memory_versions",
  "memory_relationships",
  "memory_tags",
  "sessions",
  "session_messages",
  "session_archives",
  "directives",
  "directive_versions",
  "api_tokens",
  "agents",
  "users",
  "audit_log",
]);

/** A step for a table no step knows (added by a later migration): batches by row address. */
export function genericStep(table: string): RowStep {
  const t = `"${table.replace(/"/g, '""')}"`;
  return simple(
    table,
    `DELETE FROM ${t} WHERE ctid IN (SELECT ctid FROM ${t} WHERE org_id = $1 AND $2::uuid IS NULL LIMIT $3)`,
  );
}
