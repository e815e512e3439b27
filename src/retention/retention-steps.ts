import { pruneArchivedMessages } from "../archives/prune-messages.js";
import type { BlobStore } from "../blobs/ports.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import type { Clock } from "../lib/clock.js";
import { jsonColumn } from "../lib/columns.js";
import { AppError, isAppError, redactedCause } from "../lib/errors.js";
import { DAY_MS, type RetentionPolicy, type RetentionReport } from "./model.js";

export interface RetentionDeps {
  sql: SqlClient;
  blobs: BlobStore;
  clock: Clock;
}

/** An org as the sweep sees it. */
export interface SweptOrg {
  id: string;
  sessionRetentionDays: number;
}

/**
 * One batch of one kind: how many of its rows it took (fewer than the limit: done),
 * what it removed, and the store failure that stopped part of it (what it did remove
 * is committed and counted; the kind goes on at the next run).
 */
export interface StepResult {
  took: number;
  add: Partial<Record<keyof RetentionReport, number>>;
  failure?: AppError;
}

/** A kind of expiring data, removed in batches of at most `limit` per call. */
export interface RetentionStep {
  kind: string;
  size: number;
  run(deps: RetentionDeps, org: SweptOrg, policy: RetentionPolicy, limit: number): Promise<StepResult>;
}

/** A failure of the object store as a retryable UNAVAILABLE (its cause: class and code only). */
function storeFailure(err: unknown): AppError {
  if (isAppError(err)) return err;
  return new AppError("UNAVAILABLE", "object storage unavailable", {
    cause: redactedCause(err),
    retryable: true,
  });
}

/** Deletes objects (a missing one is fine, B2); a store failure is retryable UNAVAILABLE. */
async function deleteObjects(blobs: BlobStore, keys: string[]): Promise<number> {
  const unique = [...new Set(keys)];
  for (let i = 0; i < unique.length; i += 10) {
    try {
      await Promise.all(unique.slice(i, i + 10).map((k) => blobs.delete(k)));
    } catch (err) {
      throw storeFailure(err);
    }
  }
  return unique.length;
}

/**
 * Deletes the keys ten at a time, stopping after the first group with a failure;
 * returns the keys not known to be deleted (failed, or never tried) and that failure.
 */
async function tryDeleteObjects(
  blobs: BlobStore,
  keys: readonly string[],
): Promise<{ failed: Set<string>; failure: unknown }> {
  const unique = [...new Set(keys)];
  const failed = new Set<string>();
  let failure: unknown = null;
  for (let i = 0; i < unique.length; i += 10) {
    const group = unique.slice(i, i + 10);
    const settled = await Promise.allSettled(group.map((k) => blobs.delete(k)));
    settled.forEach((r, j) => {
      if (r.status === "fulfilled") return;
      failed.add(group[j] as string);
      failure ??= r.reason;
    });
    if (failure) {
      for (const k of unique.slice(i + 10)) failed.add(k);
      break;
    }
  }
  return { failed, failure };
}

const FINISHED =
  "s.status <> 'active' AND coalesce(s.completed_at, s.last_activity_at) < now() - make_interval(days => $2)";

/**
 * Finished sessions older than the org's `session_retention_days` go with their whole
 * transcript, in one transaction: the due sessions are locked (`SKIP LOCKED`: one
 * being appended to or archived is left for the next run), their archive objects
 * deleted while the lock holds, then the rows of every session whose objects are all
 * gone — the session, and by cascade its archive row and any messages still in
 * Postgres. Nothing can reopen a locked session, so no session survives with an
 * `archive_key` whose object was deleted; a session whose object delete failed keeps
 * its row (and its object) for the next run, so nothing is orphaned either. An archive
 * job that wrote meanwhile finds its session gone and removes its object. Memories
 * extracted from a session stay, with their session link cleared.
 */
const sessions: RetentionStep = {
  kind: "sessions",
  size: 100,
  async run(deps, org, _policy, limit) {
    const done = await withOrg(deps.sql, org.id, async (tx) => {
      const { rows } = await tx.query<{ id: string; archive_key: string | null; object_key: string | null }>(
        `SELECT s.id, s.archive_key, a.object_key FROM sessions s
           LEFT JOIN session_archives a ON a.org_id = s.org_id AND a.session_id = s.id
          WHERE s.org_id = $1 AND ${FINISHED}
          ORDER BY coalesce(s.completed_at, s.last_activity_at) LIMIT $3
          FOR UPDATE OF s SKIP LOCKED`,
        [org.id, org.sessionRetentionDays, limit],
      );
      if (rows.length === 0) return { took: 0, sessions: 0, objects: 0, failure: null };
      const keysOf = (r: (typeof rows)[number]) =>
        [r.archive_key, r.object_key].filter((k): k is string => !!k);
      const { failed, failure } = await tryDeleteObjects(deps.blobs, rows.flatMap(keysOf));
      const ids = rows.filter((r) => !keysOf(r).some((k) => failed.has(k))).map((r) => String(r.id));
      const objects = new Set(rows.flatMap(keysOf).filter((k) => !failed.has(k))).size;
      const gone =
        ids.length === 0
          ? 0
          : (await tx.query("DELETE FROM sessions WHERE org_id = $1 AND id = ANY($2::uuid[])", [org.id, ids]))
              .rowCount;
      return { took: rows.length, sessions: gone, objects, failure };
    });
    // What went is committed and counted; the sessions whose objects failed wait for the next run.
    return {
      took: done.took,
      add: { sessions: done.sessions, archive_objects: done.objects },
      ...(done.failure ? { failure: storeFailure(done.failure) } : {}),
    };
  },
};

/** Archived sessions' messages leave Postgres after SESSION_MESSAGES_RETAIN_DAYS (0: never). */
const prunedMessages: RetentionStep = {
  kind: "pruned_sessions",
  size: 200,
  async run(deps, org, policy, limit) {
    if (policy.messagesRetainDays === 0) return { took: 0, add: {} };
    const olderThan = new Date(deps.clock.now() - policy.messagesRetainDays * DAY_MS);
    const n = await withOrg(deps.sql, org.id, (tx) => pruneArchivedMessages(tx, org.id, olderThan, limit));
    return { took: n, add: { pruned_sessions: n } };
  },
};

/** Expired exports (ADR-0042: 24 h): the file first, then its row. */
const exports: RetentionStep = {
  kind: "exports",
  size: 200,
  async run(deps, org, _policy, limit) {
    const { rows } = await withOrg(deps.sql, org.id, (tx) =>
      tx.query<{ key: string; result: unknown }>(
        `SELECT key, result FROM idempotency_keys
          WHERE org_id = $1 AND scope = 'memory.export' AND expires_at < now() ORDER BY expires_at LIMIT $2`,
        [org.id, limit],
      ),
    );
    if (rows.length === 0) return { took: 0, add: {} };
    const keys = rows.flatMap((r) => {
      const objectKey = jsonColumn<{ object_key?: unknown }>(r.result).object_key;
      return typeof objectKey === "string" ? [objectKey] : [];
    });
    const objects = await deleteObjects(deps.blobs, keys);
    const gone = await withOrg(deps.sql, org.id, (tx) =>
      tx.query(
        `DELETE FROM idempotency_keys
          WHERE org_id = $1 AND scope = 'memory.export' AND key = ANY($2::text[]) AND expires_at < now()`,
        [org.id, rows.map((r) => String(r.key))],
      ),
    );
    return { took: rows.length, add: { exports: gone.rowCount, export_objects: objects } };
  },
};

/** Every other expired idempotency key (turn keys, extraction keys). */
const idempotencyKeys: RetentionStep = {
  kind: "idempotency_keys",
  size: 1000,
  async run(deps, org, _policy, limit) {
    const { rowCount } = await withOrg(deps.sql, org.id, (tx) =>
      tx.query(
        `DELETE FROM idempotency_keys WHERE org_id = $1 AND (scope, key) IN (
           SELECT scope, key FROM idempotency_keys
            WHERE org_id = $1 AND scope <> 'memory.export' AND expires_at < now() LIMIT $2)`,
        [org.id, limit],
      ),
    );
    return { took: rowCount, add: { idempotency_keys: rowCount } };
  },
};

/** Assembly events (analytics) older than ANALYTICS_RETENTION_DAYS. */
const assemblyEvents: RetentionStep = {
  kind: "assembly_events",
  size: 5000,
  async run(deps, org, policy, limit) {
    const { rowCount } = await withOrg(deps.sql, org.id, (tx) =>
      tx.query(
        `DELETE FROM assembly_events WHERE org_id = $1 AND id IN (
           SELECT id FROM assembly_events
            WHERE org_id = $1 AND created_at < now() - make_interval(days => $2) LIMIT $3)`,
        [org.id, policy.analyticsDays, limit],
      ),
    );
    return { took: rowCount, add: { assembly_events: rowCount } };
  },
};

/**
 * Memories soft-deleted more than MEMORY_SOFT_DELETE_DAYS ago are deleted for good;
 * their versions, tags and links go by cascade, and pointers to them from other
 * memories (superseded_by, merged_into) are cleared, as ON DELETE SET NULL would.
 */
const softDeletedMemories: RetentionStep = {
  kind: "memories",
  size: 500,
  async run(deps, org, policy, limit) {
    const { rowCount } = await withOrg(deps.sql, org.id, async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `SELECT id FROM memories WHERE org_id = $1 AND deleted_at < now() - make_interval(days => $2)
          ORDER BY deleted_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [org.id, policy.softDeleteDays, limit],
      );
      const ids = rows.map((r) => String(r.id));
      if (ids.length === 0) return { rowCount: 0 };
      await tx.query(
        "UPDATE memories SET superseded_by = NULL WHERE org_id = $1 AND superseded_by = ANY($2::uuid[])",
        [org.id, ids],
      );
      await tx.query(
        "UPDATE memories SET merged_into = NULL WHERE org_id = $1 AND merged_into = ANY($2::uuid[])",
        [org.id, ids],
      );
      return tx.query("DELETE FROM memories WHERE org_id = $1 AND id = ANY($2::uuid[])", [org.id, ids]);
    });
    return { took: rowCount, add: { memories: rowCount } };
  },
};

/**
 * The kinds, in order: whole sessions before pruning their messages (no point pruning
 * what is about to go), files before the rows that name them.
 */
export const RETENTION_STEPS: readonly RetentionStep[] = [
  sessions,
  prunedMessages,
  exports,
  idempotencyKeys,
  assemblyEvents,
  softDeletedMemories,
];
