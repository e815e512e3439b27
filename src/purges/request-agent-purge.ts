import { recordAudit } from "../audit/record-audit.js";
import {
  auditActor,
  type Caller,
  requireAgentAccess,
  requireOrgWide,
  requireScopes,
} from "../auth/principal.js";
import type { TokenCache } from "../auth/token-cache.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import type { JobQueue } from "../jobs/ports.js";
import { notFound } from "../lib/errors.js";
import { createPurge, findOrResumePurge } from "./enqueue-purge.js";
import type { PurgeRef } from "./model.js";

/**
 * Asks for the hard deletion of one agent and everything it owns (ADR-0045). In one
 * transaction: the purge row and its job, the agent archived and hidden (as a soft
 * delete), and the tokens bound to it revoked. Also works on an agent already
 * soft-deleted. Asking again returns the first purge. The org's audit log records it.
 * @throws PERMISSION_DENIED (needs org:admin), NOT_FOUND (no such agent, another
 *   org's, or another agent's for an agent-bound token)
 */
export async function requestAgentPurge(
  deps: { sql: SqlClient; jobs: JobQueue; tokenCache: TokenCache },
  caller: Caller,
  agentId: string,
): Promise<PurgeRef> {
  const p = caller.principal;
  requireScopes(p, "org:admin");
  // Another agent's token learns nothing (404); for its own agent, an irreversible
  // erasure is still org administration (403).
  requireAgentAccess(p, agentId);
  requireOrgWide(p, "purges");
  const orgId = p.orgId;
  const outcome = await withOrg(deps.sql, orgId, async (tx) => {
    const existing = await findOrResumePurge(tx, deps.jobs, orgId, agentId);
    if (existing) return { ...existing, revoked: [] as string[] };
    const agent = await tx.query("SELECT 1 FROM agents WHERE org_id = $1 AND id = $2 FOR UPDATE", [
      orgId,
      agentId,
    ]);
    if (!agent.rows[0]) throw notFound("agent");
    const created = await createPurge(tx, deps.jobs, { orgId, agentId, requester: p.tokenId });
    await tx.query(
      `UPDATE agents SET status = 'archived', deleted_at = coalesce(deleted_at, now()), updated_at = now()
        WHERE org_id = $1 AND id = $2`,
      [orgId, agentId],
    );
    const revoked = await tx.query<{ id: string }>(
      `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()),
              revoked_reason = CASE WHEN revoked_at IS NULL THEN 'agent purged' ELSE revoked_reason END
        WHERE org_id = $1 AND agent_id = $2 RETURNING id`,
      [orgId, agentId],
    );
    await recordAudit(tx, orgId, auditActor(caller), "agent.purge", agentId, { purge_id: created.ref.id });
    return { ...created, revoked: revoked.rows.map((r) => String(r.id)) };
  });
  for (const id of outcome.revoked) deps.tokenCache.delete(id);
  await deps.jobs.dispatch(outcome.refs);
  return outcome.ref;
}
