import { type Caller, requireOrgWide, requireScopes } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { decodeCursor, type Page, toPage } from "../lib/cursor.js";
import { JOB_COLUMNS, type JobStatus, type JobView, toJobView } from "./model.js";

/**
 * Jobs are org-wide (one may serve several agents), so only tokens that are not
 * restricted to one agent see them.
 * @throws PERMISSION_DENIED
 */
export function requireJobAccess(caller: Caller, scope: "job:read" | "job:write"): void {
  requireScopes(caller.principal, scope);
  requireOrgWide(caller.principal, "jobs");
}

/**
 * The org's jobs, newest first, by status and type.
 * @throws PERMISSION_DENIED, INVALID_ARGUMENT (bad cursor)
 */
export async function listJobs(
  deps: { sql: SqlClient },
  caller: Caller,
  q: { limit: number; cursor?: string; status?: JobStatus; type?: string },
): Promise<Page<JobView>> {
  requireJobAccess(caller, "job:read");
  const orgId = caller.principal.orgId;
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  return withOrg(deps.sql, orgId, async (tx) => {
    const { rows } = await tx.query(
      `SELECT ${JOB_COLUMNS} FROM jobs
        WHERE org_id = $1 AND ($2::uuid IS NULL OR id < $2::uuid)
          AND ($3::text IS NULL OR status = $3::text) AND ($4::text IS NULL OR type = $4::text)
        ORDER BY id DESC LIMIT $5`,
      [orgId, after, q.status ?? null, q.type ?? null, q.limit + 1],
    );
    return toPage(rows.map(toJobView), q.limit);
  });
}
