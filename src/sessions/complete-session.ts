import { type Caller, requireAgentAccess, requireScopes } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import type { JobQueue } from "../jobs/ports.js";
import { AppError } from "../lib/errors.js";
import { endSession } from "./end-session.js";
import { findSession } from "./find-session.js";
import { type SessionView, toSessionView } from "./model.js";

export interface CompleteSessionResult {
  session: SessionView;
  /** Ids of the jobs that follow (extraction unless turned off, and the archive). */
  job_ids: string[];
}

/**
 * Marks a session completed and enqueues its jobs in the same transaction, then
 * dispatches them. Completing a completed session again returns the same jobs (their
 * keys are the session and its length) and enqueues nothing new.
 * @throws PERMISSION_DENIED, NOT_FOUND (also another org's session), FAILED_PRECONDITION (no turns)
 */
export async function completeSession(
  deps: { sql: SqlClient; jobs: JobQueue },
  caller: Caller,
  agentId: string,
  sessionId: string,
): Promise<CompleteSessionResult> {
  const p = caller.principal;
  requireScopes(p, "session:write");
  requireAgentAccess(p, agentId);
  const { result, refs } = await withOrg(deps.sql, p.orgId, async (tx) => {
    const row = await findSession(tx, p.orgId, agentId, sessionId, true);
    const session = { id: String(row.id), agentId, messageCount: Number(row.turn_count) };
    if (session.messageCount === 0) throw new AppError("FAILED_PRECONDITION", "the session has no turns");
    const refs = await endSession(tx, deps.jobs, p.orgId, session, "completed");
    const after = await findSession(tx, p.orgId, agentId, sessionId);
    return { result: { session: toSessionView(after), job_ids: refs.map((r) => r.id) }, refs };
  });
  await deps.jobs.dispatch(refs);
  return result;
}
