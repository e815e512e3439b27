import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { uuidv7 } from "../lib/ids.js";
import type { JobRow } from "./model.js";

/**
 * Marks a claimed job succeeded. Fenced by the attempt that claimed it: a worker
 * whose lease ran out and whose job was claimed again changes nothing.
 * @returns false when the claim was lost.
 */
export async function completeJob(sql: SqlClient, job: JobRow, result: Record<string, unknown>) {
  const { rowCount } = await withOrg(sql, job.org_id, (tx) =>
    tx.query(
      `UPDATE jobs SET status = 'succeeded', result = $4, last_error = NULL, lease_until = NULL,
              finished_at = now(), updated_at = now()
        WHERE org_id = $1 AND id = $2 AND status = 'running' AND attempts = $3`,
      [job.org_id, job.id, job.attempts, JSON.stringify(result)],
    ),
  );
  return rowCount > 0;
}

/** How a failed attempt ends. */
export type FailureOutcome = "retry" | "dead";

/**
 * Records a failed attempt: a retryable failure with attempts left waits
 * `retryDelaysMs[attempts - 1]` and is claimed again; anything else goes to the dead
 * letters (`job_failures`) with the job `dead`. `error` is a content-free label.
 * Fenced like completeJob; returns null when the claim was lost.
 */
export async function failJob(
  sql: SqlClient,
  job: JobRow,
  error: string,
  retryable: boolean,
  retryDelaysMs: readonly number[],
): Promise<FailureOutcome | null> {
  const delay = retryDelaysMs[job.attempts - 1];
  const outcome: FailureOutcome =
    retryable && job.attempts < job.max_attempts && delay !== undefined ? "retry" : "dead";
  return withOrg(sql, job.org_id, async (tx) => {
    const { rowCount } = await tx.query(
      `UPDATE jobs SET status = $4, last_error = $5, lease_until = NULL, updated_at = now(),
              run_at = CASE WHEN $4 = 'failed' THEN now() + make_interval(secs => $6) ELSE run_at END,
              finished_at = CASE WHEN $4 = 'dead' THEN now() ELSE NULL END
        WHERE org_id = $1 AND id = $2 AND status = 'running' AND attempts = $3`,
      [job.org_id, job.id, job.attempts, outcome === "retry" ? "failed" : "dead", error, (delay ?? 0) / 1000],
    );
    if (rowCount === 0) return null;
    if (outcome === "dead") {
      await tx.query(
        `INSERT INTO job_failures (id, org_id, job_id, job_type, payload, error, attempts)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [uuidv7(), job.org_id, job.id, job.type, JSON.stringify(job.payload ?? null), error, job.attempts],
      );
    }
    return outcome;
  });
}
