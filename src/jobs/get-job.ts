import type { Caller } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { toIso } from "../lib/clock.js";
import { notFound } from "../lib/errors.js";
import { requireJobAccess } from "./list-jobs.js";
import { JOB_COLUMNS, type JobView, toJobView } from "./model.js";

/** A job with its dead-letter history (content-free errors, attempts, replays). */
export interface JobDetail extends JobView {
  failures: { id: string; error: string; attempts: number; failed_at: string; replayed_at: string | null }[];
}

/**
 * One job of the caller's org.
 * @throws PERMISSION_DENIED, NOT_FOUND (also for another org's job)
 */
export async function getJob(deps: { sql: SqlClient }, caller: Caller, id: string): Promise<JobDetail> {
  requireJobAccess(caller, "job:read");
  const orgId = caller.principal.orgId;
  return withOrg(deps.sql, orgId, async (tx) => {
    const { rows } = await tx.query(`SELECT ${JOB_COLUMNS} FROM jobs WHERE org_id = $1 AND id = $2`, [
      orgId,
      id,
    ]);
    const row = rows[0];
    if (!row) throw notFound("job");
    const failures = await tx.query<Record<string, unknown>>(
      `SELECT id, error, attempts, last_failed_at, replayed_at FROM job_failures
        WHERE org_id = $1 AND job_id = $2 ORDER BY id`,
      [orgId, id],
    );
    return {
      ...toJobView(row),
      failures: failures.rows.map((f) => ({
        id: String(f.id),
        error: String(f.error),
        attempts: Number(f.attempts),
        failed_at: toIso(f.last_failed_at) ?? "",
        replayed_at: toIso(f.replayed_at),
      })),
    };
  });
}
