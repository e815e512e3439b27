import { DEFAULT_AGENT_CONFIG } from "../agents/model.js";
import type { SqlExecutor } from "../db/ports.js";
import type { JobQueue, JobRef } from "../jobs/ports.js";
import { jsonColumn } from "../lib/columns.js";
import { jobsForEndedSession } from "./session-jobs.js";

/**
 * Ends a locked session as `completed` or `abandoned` and enqueues its jobs in the
 * same transaction (J1), so a session is never ended without its extraction queued.
 */
export async function endSession(
  tx: SqlExecutor,
  jobs: JobQueue,
  orgId: string,
  session: { id: string; agentId: string; messageCount: number },
  status: "completed" | "abandoned",
): Promise<JobRef[]> {
  await tx.query(
    `UPDATE sessions SET status = $3, completed_at = now(), updated_at = now() WHERE org_id = $1 AND id = $2`,
    [orgId, session.id, status],
  );
  const agent = await tx.query<{ config: unknown }>(
    "SELECT config FROM agents WHERE org_id = $1 AND id = $2",
    [orgId, session.agentId],
  );
  const config = { ...DEFAULT_AGENT_CONFIG, ...jsonColumn<object>(agent.rows[0]?.config) };
  return jobs.enqueue(tx, orgId, jobsForEndedSession(session, config.memory_extraction_enabled));
}
