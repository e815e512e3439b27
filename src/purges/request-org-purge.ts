import { recordAudit } from "../audit/record-audit.js";
import { hasScopes, maskOf } from "../auth/permissions.js";
import { auditActor, type Caller, requireScopes } from "../auth/principal.js";
import type { TokenCache } from "../auth/token-cache.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import type { JobQueue } from "../jobs/ports.js";
import { AppError, notFound } from "../lib/errors.js";
import { createPurge, findOrResumePurge } from "./enqueue-purge.js";
import type { PurgeRef } from "./model.js";

const PLATFORM_ADMIN = maskOf(["platform:admin"]);

/**
 * Asks for an org's GDPR purge (ADR-0045). In one transaction: the purge row, its
 * job, the org's status `deleted` and every token of the org revoked — so the org's
 * tokens stop working at once (this process drops them from its cache; others within
 * the cache TTL, ≤ 1 s). Asking again returns the first purge (queued again if its
 * job died). `confirm` must repeat the org id.
 * @throws INVALID_ARGUMENT (confirm mismatch), NOT_FOUND (no such org, or another
 *   org's without platform:admin), PERMISSION_DENIED (needs org:admin on its own org
 *   or platform:admin), FAILED_PRECONDITION (the org holds platform admin tokens)
 */
export async function requestOrgPurge(
  deps: { sql: SqlClient; jobs: JobQueue; tokenCache: TokenCache },
  caller: Caller,
  orgId: string,
  confirm: string | undefined,
): Promise<PurgeRef> {
  const p = caller.principal;
  const platform = hasScopes(p.permissions, ["platform:admin"]);
  if (!platform) {
    // Another org's id answers as if it did not exist, so ids cannot be probed.
    if (p.orgId !== orgId) throw notFound("organisation");
    requireScopes(p, "org:admin");
    if (p.agentId !== null)
      throw new AppError("PERMISSION_DENIED", "an agent-bound token cannot purge its org");
  }
  // Checked after the tenancy answer, so another org's id is a plain 404 whatever the query.
  if (confirm !== orgId) {
    throw new AppError("INVALID_ARGUMENT", "confirm must repeat the organisation id", {
      fields: [{ path: "confirm", message: "must equal the organisation id" }],
    });
  }
  const outcome = await withOrg(deps.sql, orgId, async (tx) => {
    const existing = await findOrResumePurge(tx, deps.jobs, orgId, null);
    if (existing) return { ...existing, revoked: [] as string[] };
    const org = await tx.query("SELECT status FROM orgs WHERE id = $1 FOR UPDATE", [orgId]);
    if (!org.rows[0]) throw notFound("organisation");
    // Purging the org that holds the platform's admin tokens would leave no one able
    // to read the certificate or onboard anyone: refuse.
    const platformTokens = await tx.query(
      "SELECT 1 FROM api_tokens WHERE org_id = $1 AND revoked_at IS NULL AND (permissions & $2) <> 0 LIMIT 1",
      [orgId, PLATFORM_ADMIN],
    );
    if (platformTokens.rows.length > 0) {
      throw new AppError(
        "FAILED_PRECONDITION",
        "this organisation holds platform admin tokens; revoke them first",
      );
    }
    const created = await createPurge(tx, deps.jobs, { orgId, agentId: null, requester: p.tokenId });
    await tx.query("UPDATE orgs SET status = 'deleted', updated_at = now() WHERE id = $1", [orgId]);
    const revoked = await tx.query<{ id: string }>(
      `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()),
              revoked_reason = CASE WHEN revoked_at IS NULL THEN 'organisation deleted' ELSE revoked_reason END
        WHERE org_id = $1 RETURNING id`,
      [orgId],
    );
    // The org's own audit log is about to go; a platform admin's request is recorded
    // in the admin's org as well (the purges row is the lasting record either way).
    if (p.orgId !== orgId) {
      await tx.query("SELECT set_config('app.current_org_id', $1, true)", [p.orgId]);
      await recordAudit(tx, p.orgId, auditActor(caller), "org.purge", orgId, { purge_id: created.ref.id });
    }
    return { ...created, revoked: revoked.rows.map((r) => String(r.id)) };
  });
  for (const id of outcome.revoked) deps.tokenCache.delete(id);
  await deps.jobs.dispatch(outcome.refs);
  return outcome.ref;
}
