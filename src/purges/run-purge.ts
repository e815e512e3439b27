import type { BlobStore } from "../blobs/ports.js";
import type { SqlClient, SqlExecutor } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import type { JobRun } from "../jobs/handlers.js";
import { extendLease } from "../jobs/lease.js";
import type { KeyValue } from "../kv/ports.js";
import { sha256Hex } from "../lib/crypto.js";
import { AppError, isAppError } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { finishPurge } from "./finish-purge.js";
import { PURGE_COLUMNS, type PurgePhase, type PurgeView, toPurgeView } from "./model.js";
import {
  genericStep,
  KNOWN_TABLES,
  ORG_ONLY_STEPS,
  type PurgeTarget,
  ROW_STEPS,
  type RowStep,
} from "./purge-rows.js";
import { eraseKeys, eraseObjects, type PurgeHooks, remainingKeys, remainingObjects } from "./purge-stores.js";
import { orgTables, remainingRows } from "./remaining-rows.js";

export interface RunPurgeDeps {
  sql: SqlClient;
  blobs: BlobStore;
  kv: KeyValue;
  logger: Logger;
  /** Signs the certificate (TOKEN_PEPPER). */
  pepper: string;
  config: { JOB_LEASE_SECONDS: number };
}

/** The job's content-free result. */
export interface PurgeRunResult {
  purge_id: string;
  status: "succeeded" | "skipped";
  rows?: number;
  objects?: number;
  keys?: number;
}

/** Passes over every store before the run gives up on reaching empty (new writes racing it). */
const MAX_PASSES = 3;

/** Adds `add` to the progress counts and sets the phase, in the caller's transaction (exact across runs). */
async function recordProgress(
  tx: SqlExecutor,
  t: PurgeTarget,
  purgeId: string,
  phase: PurgePhase,
  add: { rows?: Record<string, number>; objects?: number; keys?: number },
): Promise<void> {
  await tx.query(
    `UPDATE purges SET updated_at = now(), progress = progress
       || jsonb_build_object('phase', $3::text, 'batches', coalesce((progress->>'batches')::bigint, 0) + $7::int,
            'objects', coalesce((progress->>'objects')::bigint, 0) + $5::bigint,
            'keys', coalesce((progress->>'keys')::bigint, 0) + $6::bigint,
            'rows', coalesce(progress->'rows', '{}'::jsonb) || coalesce((
              SELECT jsonb_object_agg(d.key, coalesce((progress->'rows'->>d.key)::bigint, 0) + d.value::bigint)
                FROM jsonb_each_text($4::jsonb) d), '{}'::jsonb))
      WHERE org_id = $1 AND id = $2 AND status <> 'succeeded'`,
    [
      t.orgId,
      purgeId,
      phase,
      JSON.stringify(add.rows ?? {}),
      add.objects ?? 0,
      add.keys ?? 0,
      add.rows || add.objects || add.keys ? 1 : 0,
    ],
  );
}

/** One run of a purge: its target, and its hold on the job. */
interface PurgeRun {
  t: PurgeTarget;
  purgeId: string;
  /** Set once a renewal found the job taken over (or gone): the run stops, changing nothing more. */
  lost: boolean;
  /** When the lease was last renewed (performance.now()). */
  renewedAt: number;
}

/** The run lost its job: another run took it over after its lease lapsed, or it was settled. */
function leaseLost(): AppError {
  return new AppError("FAILED_PRECONDITION", "the purge job was taken over by another run", {
    retryable: false,
  });
}

/**
 * Runs `fn` in the org's transaction with the job's lease renewed, fenced by the run's
 * claim: a long purge keeps its job, and a run whose lease lapsed and whose job was
 * claimed again does nothing more (throws, its batch rolled back). With `evenIfLost`,
 * `fn` is committed even so (a count that is exact whichever run records it), and then
 * the run stops.
 */
async function batchTx<T>(
  deps: RunPurgeDeps,
  run: PurgeRun,
  fn: (tx: SqlExecutor) => Promise<T>,
  opts: { evenIfLost?: boolean } = {},
): Promise<T> {
  if (run.lost) throw leaseLost();
  const { t } = run;
  const out = await withOrg(deps.sql, t.orgId, async (tx) => {
    const held = await extendLease(tx, t.orgId, t.jobId, deps.config.JOB_LEASE_SECONDS, t.attempt);
    if (!held && !opts.evenIfLost) return { held, value: undefined };
    return { held, value: await fn(tx) };
  });
  if (!out.held) {
    run.lost = true;
    throw leaseLost();
  }
  run.renewedAt = performance.now();
  return out.value as T;
}

/**
 * The store erasers' hooks: the lease renewed at least every quarter lease while a
 * listing, a SCAN or a chunk of deletes goes on; object keys recorded (by SHA-256, in
 * `purge_objects`) and counted only the first time any run takes them on; key counts
 * added page by page.
 */
function storeHooks(deps: RunPurgeDeps, run: PurgeRun): PurgeHooks {
  const { t } = run;
  const dueMs = (deps.config.JOB_LEASE_SECONDS * 1000) / 4;
  return {
    async heartbeat() {
      if (run.lost) throw leaseLost();
      if (performance.now() - run.renewedAt >= dueMs) await batchTx(deps, run, async () => {});
    },
    async takeObjects(keys) {
      const hashes = await Promise.all(keys.map((k) => sha256Hex(k)));
      await batchTx(deps, run, async (tx) => {
        const { rowCount } = await tx.query(
          `INSERT INTO purge_objects (purge_id, key_sha256) SELECT $1, unnest($2::text[])
           ON CONFLICT DO NOTHING`,
          [run.purgeId, hashes],
        );
        await recordProgress(tx, t, run.purgeId, "objects", { objects: rowCount });
      });
    },
    async keysDeleted(n) {
      await batchTx(deps, run, (tx) => recordProgress(tx, t, run.purgeId, "keys", { keys: n }), {
        evenIfLost: true,
      });
    },
  };
}

/** Deletes the target's rows step by step, one batch per transaction with its progress. */
async function eraseRows(deps: RunPurgeDeps, run: PurgeRun): Promise<number> {
  const { t, purgeId } = run;
  const steps: RowStep[] = [...ROW_STEPS];
  if (t.agentId === null) {
    steps.push(...ORG_ONLY_STEPS);
    const tables = await withOrg(deps.sql, t.orgId, orgTables);
    for (const table of tables) if (!KNOWN_TABLES.has(table.name)) steps.push(genericStep(table.name));
  }
  let total = 0;
  for (const step of steps) {
    for (;;) {
      const took = await batchTx(deps, run, async (tx) => {
        const r = await step.batch(tx, t, step.size);
        const n = Object.values(r.deleted).reduce((a, b) => a + b, 0);
        if (n > 0) await recordProgress(tx, t, purgeId, "rows", { rows: r.deleted });
        total += n;
        return r.took;
      });
      if (took < step.size) break;
    }
  }
  return total;
}

/** Marks the run started; null when there is nothing to do (already done, or unknown). */
async function start(deps: RunPurgeDeps, run: JobRun, purgeId: string): Promise<PurgeView | null> {
  return withOrg(deps.sql, run.orgId, async (tx) => {
    const { rows } = await tx.query<Record<string, unknown>>(
      `UPDATE purges SET status = 'running', attempts = attempts + 1, last_error = NULL,
              started_at = coalesce(started_at, now()), updated_at = now()
        WHERE org_id = $1 AND id = $2 AND status <> 'succeeded' RETURNING ${PURGE_COLUMNS}`,
      [run.orgId, purgeId],
    );
    const row = rows[0];
    if (!row) return null;
    const purge = toPurgeView(row);
    if (purge.scope === "org") {
      // The org's agent purges are part of this one now; their jobs are about to go.
      await tx.query(
        `UPDATE purges SET status = 'failed', last_error = 'superseded_by_org_purge', updated_at = now()
          WHERE org_id = $1 AND scope = 'agent' AND status <> 'succeeded'`,
        [run.orgId],
      );
    }
    return purge;
  });
}

/** A content-free label for the purge row: the error code or class. */
function label(err: unknown): string {
  if (isAppError(err)) return err.code;
  return err instanceof Error && /^[A-Za-z]{1,40}$/.test(err.name) ? err.name : "Error";
}

/**
 * The `org.purge` job (ADR-0045): erases an org or one agent — rows table by table
 * in bounded batches, then objects, then keys — with the counts in `purges.progress`
 * after every batch. Every step deletes what is still there, so a run that crashed
 * or failed (the object store down, say) is simply run again and continues. When a
 * final pass finds every store empty, the certificate is signed and stored, and for
 * an org the org row goes in the same transaction.
 * @throws UNAVAILABLE (retryable) when a store is down or the scope would not empty
 */
export async function runPurge(
  deps: RunPurgeDeps,
  run: JobRun,
  payload: { purge_id: string },
): Promise<PurgeRunResult> {
  const purge = await start(deps, run, payload.purge_id);
  if (!purge) return { purge_id: payload.purge_id, status: "skipped" };
  const t: PurgeTarget = {
    orgId: purge.org_id,
    agentId: purge.agent_id,
    jobId: run.jobId,
    attempt: run.attempt,
  };
  const current: PurgeRun = { t, purgeId: purge.id, lost: false, renewedAt: performance.now() };
  const hooks = storeHooks(deps, current);
  const mark = (phase: PurgePhase) =>
    batchTx(deps, current, (tx) => recordProgress(tx, t, purge.id, phase, {}));
  try {
    for (let pass = 1; ; pass++) {
      await eraseRows(deps, current);
      await mark("objects");
      await eraseObjects(deps.blobs, t, hooks);
      await mark("keys");
      await eraseKeys(deps.kv, t, hooks);
      await mark("verify");
      // Every store must answer empty before the certificate is written.
      const objectsLeft = await remainingObjects(deps.blobs, t, hooks);
      const keysLeft = await remainingKeys(deps.kv, t, hooks);
      const rowsLeft = await withOrg(deps.sql, t.orgId, (tx) => remainingRows(tx, t));
      if (objectsLeft === 0 && keysLeft === 0 && Object.keys(rowsLeft).length === 0) break;
      if (pass >= MAX_PASSES) {
        throw new AppError("UNAVAILABLE", "the purge scope did not empty; retrying", { retryable: true });
      }
    }
    const cert = await finishPurge(deps, t, purge.id, (tx) =>
      extendLease(tx, t.orgId, t.jobId, deps.config.JOB_LEASE_SECONDS, t.attempt),
    );
    if (!cert) {
      current.lost = true;
      throw leaseLost();
    }
    deps.logger.info("purge finished", { purge_id: purge.id, scope: purge.scope, ...cert.summary });
    return { purge_id: purge.id, status: "succeeded", ...cert.summary };
  } catch (err) {
    if (current.lost) {
      // Another run holds the job now (or finished it): the purge row is its to update.
      deps.logger.warn("purge run superseded", { purge_id: purge.id });
      throw leaseLost();
    }
    const error = label(err);
    deps.logger.warn("purge run failed", { purge_id: purge.id, error });
    await withOrg(deps.sql, t.orgId, (tx) =>
      tx.query(
        `UPDATE purges SET status = 'failed', last_error = $3, updated_at = now()
          WHERE org_id = $1 AND id = $2 AND status = 'running'`,
        [t.orgId, purge.id, error],
      ),
    ).catch(() => undefined);
    throw err;
  }
}
