import { withOrg } from "../../src/db/tenant.js";
import { JOB_REF_COLUMNS, jobRefFromRow } from "../../src/jobs/model.js";
import type { JobRef } from "../../src/jobs/ports.js";
import type { TestApp } from "./app.js";

/** Reads of the jobs ledger and of what its jobs wrote, for one org's tests. */
export function jobProbe(t: TestApp, orgId: string, token: string) {
  return {
    /** The job as the operator route shows it. */
    job: async (id: string) => (await t.call("GET", `/v1/jobs/${id}`, { token })).json(),

    /** Live memories extracted from a session. */
    async memoriesOf(sessionUuid: string): Promise<number> {
      const { rows } = await withOrg(t.sql, orgId, (tx) =>
        tx.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM memories WHERE org_id = $1 AND session_id = $2 AND deleted_at IS NULL",
          [orgId, sessionUuid],
        ),
      );
      return rows[0]?.n ?? 0;
    },

    /** The job as enqueued, read back from the ledger. */
    async refOf(jobId: string): Promise<JobRef> {
      const { rows } = await withOrg(t.sql, orgId, (tx) =>
        tx.query<Record<string, unknown>>(
          `SELECT ${JOB_REF_COLUMNS} FROM jobs WHERE org_id = $1 AND id = $2`,
          [orgId, jobId],
        ),
      );
      const row = rows[0];
      if (!row) throw new Error(`no job ${jobId}`);
      return jobRefFromRow(jobId, orgId, row);
    },
  };
}
