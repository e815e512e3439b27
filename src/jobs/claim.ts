import type { SqlClient, SqlExecutor } from "../db/ports.js";
import { withMaintenance, withOrg } from "../db/tenant.js";
import { type JobRow, toJobRow } from "./model.js";

const CLAIMED = "id, org_id, type, version, payload, status, attempts, max_attempts";

/**
 * Claims up to `limit` due jobs of any org for this worker: queued or waiting for a
 * retry whose time has come, or running with a lease that ran out (its worker died).
 * `FOR UPDATE SKIP LOCKED` lets several workers claim side by side without waiting on
 * each other or taking the same job. Each claim counts an attempt and leases the job.
 */
export function claimDueJobs(sql: SqlClient, limit: number, leaseSeconds: number): Promise<JobRow[]> {
  return withMaintenance(sql, "jobs", async (tx) => {
    const { rows } = await tx.query(
      `UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = now(),
              lease_until = now() + make_interval(secs => $2)
        WHERE id IN (
          SELECT id FROM jobs
           WHERE (status IN ('queued', 'failed') AND run_at <= now())
              OR (status = 'running' AND lease_until < now())
           ORDER BY run_at
           LIMIT $1
           FOR UPDATE SKIP LOCKED)
       RETURNING ${CLAIMED}`,
      [limit, leaseSeconds],
    );
    return rows.map(toJobRow);
  });
}

/**
 * Claims one job by id for a delivery (QStash): only when it is due or its lease ran
 * out. Null when it is already done, dead, or running under a live lease — the
 * delivery is then a duplicate and is acknowledged without running anything.
 */
export function claimJob(
  sql: SqlClient,
  orgId: string,
  id: string,
  leaseSeconds: number,
): Promise<JobRow | null> {
  return withOrg(sql, orgId, async (tx) => claimOne(tx, orgId, id, leaseSeconds));
}

async function claimOne(tx: SqlExecutor, orgId: string, id: string, leaseSeconds: number) {
  const { rows } = await tx.query(
    `UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = now(),
            lease_until = now() + make_interval(secs => $3)
      WHERE org_id = $1 AND id = $2
        AND (status IN ('queued', 'failed') OR (status = 'running' AND lease_until < now()))
     RETURNING ${CLAIMED}`,
    [orgId, id, leaseSeconds],
  );
  return rows[0] ? toJobRow(rows[0]) : null;
}
