import { type AuditActor, recordAudit } from "../audit/record-audit.js";
import { auditActor, type Caller } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { AppError, notFound } from "../lib/errors.js";
import { getJob, type JobDetail } from "./get-job.js";
import { requireJobAccess } from "./list-jobs.js";
import { JOB_REF_COLUMNS, jobRefFromRow } from "./model.js";
import type { JobQueue } from "./ports.js";

/**
 * Puts a dead job back in the queue with a fresh set of attempts, marks its dead
 * letters replayed, and dispatches it.
 * @throws PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION (the job is not dead)
 */
export async function replayJob(
  deps: { sql: SqlClient; jobs: JobQueue },
  caller: Caller,
  id: string,
): Promise<JobDetail> {
  requireJobAccess(caller, "job:write");
  const orgId = caller.principal.orgId;
  const actor: AuditActor = auditActor(caller);
  const ref = await withOrg(deps.sql, orgId, async (tx) => {
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT status, ${JOB_REF_COLUMNS} FROM jobs WHERE org_id = $1 AND id = $2 FOR UPDATE`,
      [orgId, id],
    );
    const row = rows[0];
    if (!row) throw notFound("job");
    if (row.status !== "dead") throw new AppError("FAILED_PRECONDITION", "only a dead job can be replayed");
    await tx.query(
      `UPDATE jobs SET status = 'queued', attempts = 0, run_at = now(), last_error = NULL, finished_at = NULL,
              updated_at = now() WHERE org_id = $1 AND id = $2`,
      [orgId, id],
    );
    await tx.query(
      "UPDATE job_failures SET replayed_at = now() WHERE org_id = $1 AND job_id = $2 AND replayed_at IS NULL",
      [orgId, id],
    );
    await recordAudit(tx, orgId, actor, "job.replay", id);
    return jobRefFromRow(id, orgId, row);
  });
  await deps.jobs.dispatch([ref]);
  return getJob(deps, caller, id);
}
