import type { SqlExecutor } from "../db/ports.js";

/**
 * Renews a running job's lease from now, in the caller's transaction: a handler that
 * works in many short transactions (a purge) calls it with each, so no other worker
 * takes the job over while it makes progress. A lease never shortens. With `attempt`
 * (the claim's, `JobRun.attempt`) it is fenced like settling a job: a run whose lease
 * lapsed and whose job was claimed again renews nothing.
 * @returns false when the job is not running under this claim any more (taken over,
 *   settled, or gone with its org).
 */
export async function extendLease(
  tx: SqlExecutor,
  orgId: string,
  jobId: string,
  seconds: number,
  attempt?: number,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE jobs SET lease_until = greatest(lease_until, now() + make_interval(secs => $3))
      WHERE org_id = $1 AND id = $2 AND status = 'running' AND ($4::int IS NULL OR attempts = $4::int)`,
    [orgId, jobId, seconds, attempt ?? null],
  );
  return rowCount > 0;
}
