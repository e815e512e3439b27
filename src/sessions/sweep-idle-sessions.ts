import type { SqlClient } from "../db/ports.js";
import { withMaintenance, withOrg } from "../db/tenant.js";
import type { JobQueue, JobRef } from "../jobs/ports.js";
import { endSession } from "./end-session.js";

/** What one sweep did. */
export interface SweepResult {
  abandoned: number;
  jobs: number;
}

/**
 * Marks sessions idle for `idleMinutes` `abandoned` and enqueues the jobs a completed
 * session gets (sessions-jobs-archives.md). Candidates are found across orgs (the
 * sessions maintenance policy); each is then ended in its own org's transaction,
 * re-checked under its lock, so a turn arriving meanwhile keeps it active and two
 * sweeps never end it twice. Runs in batches of `batch` until none are left.
 */
export async function sweepIdleSessions(
  deps: { sql: SqlClient; jobs: JobQueue },
  idleMinutes: number,
  batch = 200,
): Promise<SweepResult> {
  const result: SweepResult = { abandoned: 0, jobs: 0 };
  for (;;) {
    const { rows } = await withMaintenance(deps.sql, "sessions", (tx) =>
      tx.query<{ id: string; org_id: string }>(
        `SELECT id, org_id FROM sessions
          WHERE status = 'active' AND last_activity_at < now() - make_interval(mins => $1)
          ORDER BY last_activity_at LIMIT $2`,
        [idleMinutes, batch],
      ),
    );
    let ended = 0;
    for (const r of rows) {
      const refs = await withOrg(deps.sql, String(r.org_id), async (tx): Promise<JobRef[] | null> => {
        const locked = await tx.query<{ agent_id: string; turn_count: number }>(
          `SELECT agent_id, turn_count FROM sessions
            WHERE org_id = $1 AND id = $2 AND status = 'active'
              AND last_activity_at < now() - make_interval(mins => $3)
            FOR UPDATE SKIP LOCKED`,
          [r.org_id, r.id, idleMinutes],
        );
        const s = locked.rows[0];
        if (!s) return null;
        const session = { id: String(r.id), agentId: String(s.agent_id), messageCount: Number(s.turn_count) };
        return endSession(tx, deps.jobs, String(r.org_id), session, "abandoned");
      });
      if (!refs) continue;
      ended += 1;
      result.jobs += refs.length;
      await deps.jobs.dispatch(refs);
    }
    result.abandoned += ended;
    if (rows.length < batch || ended === 0) return result;
  }
}
