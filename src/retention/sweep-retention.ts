import { unavailableDatabase } from "../db/ports.js";
import { withMaintenance } from "../db/tenant.js";
import { isAppError } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import { DEFAULT_ORG_SETTINGS } from "../orgs/model.js";
import { emptyReport, type RetentionPolicy, type RetentionReport } from "./model.js";
import { RETENTION_STEPS, type RetentionDeps, type SweptOrg } from "./retention-steps.js";

export interface SweepRetentionOptions {
  /** Stop (report `complete: false`) once this many batches removed something; the next run continues. */
  maxBatches?: number;
  /** Stop once `performance.now()` passes this (a cron's time budget). */
  deadline?: number;
  /** Overrides every kind's batch size (tests). */
  batchSize?: number;
}

const ORG_PAGE = 500;
/** The resume point is saved at most this often while a run goes on, and always when it stops. */
const CURSOR_SAVE_MS = 1_000;

/**
 * Orgs after `after` and up to `upTo` (by id; either may be null: no bound), with
 * their session retention; deleted orgs are the purge's.
 */
async function orgPage(deps: RetentionDeps, after: string | null, upTo: string | null): Promise<SweptOrg[]> {
  const { rows } = await withMaintenance(deps.sql, "retention", (tx) =>
    tx.query<{ id: string; days: unknown }>(
      `SELECT id, settings->'session_retention_days' AS days FROM orgs
        WHERE status <> 'deleted' AND ($1::uuid IS NULL OR id > $1::uuid) AND ($2::uuid IS NULL OR id <= $2::uuid)
        ORDER BY id LIMIT $3`,
      [after, upTo, ORG_PAGE],
    ),
  );
  return rows.map((r) => {
    const days = Number(r.days);
    return {
      id: String(r.id),
      sessionRetentionDays:
        Number.isInteger(days) && days >= 1 ? days : DEFAULT_ORG_SETTINGS.session_retention_days,
    };
  });
}

/** The last org the previous run finished (null: start from the first). */
async function readCursor(deps: RetentionDeps): Promise<string | null> {
  const { rows } = await withMaintenance(deps.sql, "retention", (tx) =>
    tx.query<{ last_org_id: string | null }>("SELECT last_org_id FROM retention_cursor"),
  );
  const last = rows[0]?.last_org_id;
  return last == null ? null : String(last);
}

async function saveCursor(deps: RetentionDeps, orgId: string): Promise<void> {
  await withMaintenance(deps.sql, "retention", (tx) =>
    tx.query("UPDATE retention_cursor SET last_org_id = $1, updated_at = now()", [orgId]),
  );
}

/** A content-free label for a failure: the AppError code, or the error's class. */
function failureLabel(err: unknown): string {
  if (isAppError(err)) return err.code;
  return err instanceof Error && /^[A-Za-z]{1,40}$/.test(err.name) ? err.name : "Error";
}

/**
 * The retention sweep: lists the orgs across tenants (the `retention` maintenance
 * policy admits reading `orgs` and the sweep's cursor, nothing else), then, inside
 * each org's own tenant transactions, removes in small batches what has outlived its
 * retention — finished sessions with their transcripts, archived messages, expired
 * exports and idempotency keys, old assembly events, long soft-deleted memories.
 * Every batch is its own transaction and deletes only what is still due, so a run
 * that dies or hits its budget leaves a consistent state; a second run removes nothing.
 *
 * A run starts after the last org the previous run finished (`retention_cursor`), goes
 * to the end of the id order, wraps around and stops once it has visited every org,
 * saving its place as it goes: with a budget that covers only some orgs, successive
 * runs still reach them all. A kind that fails for an org (a store down, any other
 * error) is counted in `failures`, logged with the org id and the error's code only,
 * and skipped until the next run; the sweep goes on with the org's other kinds and the
 * other orgs. Only a database that cannot be reached stops it (rethrown).
 * Returns and logs counts only.
 */
export async function sweepRetention(
  deps: RetentionDeps & { logger: Logger },
  policy: RetentionPolicy,
  options: SweepRetentionOptions = {},
): Promise<RetentionReport> {
  const report = emptyReport();
  let batches = 0;
  const outOfBudget = () =>
    (options.maxBatches !== undefined && batches >= options.maxBatches) ||
    (options.deadline !== undefined && performance.now() >= options.deadline);

  const start = await readCursor(deps);
  let finished: string | null = null;
  let saved = performance.now();
  const save = async () => {
    if (finished === null) return;
    await saveCursor(deps, finished);
    saved = performance.now();
  };
  try {
    // First the orgs after the cursor, then (wrapped around) those up to it.
    let wrapped = false;
    let after = start;
    sweep: for (;;) {
      const orgs = await orgPage(deps, after, wrapped ? start : null);
      for (const org of orgs) {
        report.orgs += 1;
        for (const step of RETENTION_STEPS) {
          const limit = options.batchSize ?? step.size;
          try {
            for (;;) {
              if (outOfBudget()) {
                report.complete = false;
                break sweep;
              }
              const r = await step.run(deps, org, policy, limit);
              // Only batches that removed something count against the budget.
              if (r.took > 0) batches += 1;
              for (const [k, v] of Object.entries(r.add)) {
                const key = k as keyof RetentionReport;
                if (key !== "complete") report[key] += v ?? 0;
              }
              if (r.failure) throw r.failure;
              if (r.took < limit) break;
            }
          } catch (err) {
            if (unavailableDatabase(err)) throw err;
            report.failures += 1;
            deps.logger.warn("retention step failed", {
              org_id: org.id,
              kind: step.kind,
              error: failureLabel(err),
              sql_state: (err as { sqlState?: string } | null)?.sqlState,
            });
          }
        }
        finished = org.id;
        if (performance.now() - saved >= CURSOR_SAVE_MS) await save();
      }
      if (orgs.length === ORG_PAGE) {
        after = orgs[orgs.length - 1]?.id ?? null;
        continue;
      }
      if (wrapped || start === null) break;
      wrapped = true;
      after = null;
    }
  } finally {
    await save().catch((err: unknown) =>
      deps.logger.warn("retention cursor not saved", { error: failureLabel(err) }),
    );
  }
  deps.logger.info("retention sweep", { ...report });
  return report;
}
