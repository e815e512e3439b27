import { recordAudit } from "../audit/record-audit.js";
import { auditActor, type Caller, requireOrgWide, requireScopes } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { notFound } from "../lib/errors.js";
import { ORG_COLUMNS, type OrgSettings, type OrgView, toOrgView } from "./model.js";

/**
 * The caller's own org. Any valid token of the org may read it.
 * @throws NOT_FOUND (only if the org vanished mid-request)
 */
export async function getMyOrg(deps: { sql: SqlClient }, caller: Caller): Promise<OrgView> {
  const orgId = caller.principal.orgId;
  return withOrg(deps.sql, orgId, async (tx) => {
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT ${ORG_COLUMNS} FROM orgs WHERE id = $1`,
      [orgId],
    );
    if (!rows[0]) throw notFound("organisation");
    return toOrgView(rows[0]);
  });
}

/**
 * Renames the caller's org or merges settings keys. Slug and tier are not editable here.
 * @throws PERMISSION_DENIED (needs org:admin)
 */
export async function updateMyOrg(
  deps: { sql: SqlClient },
  caller: Caller,
  patch: { name?: string; settings?: Partial<OrgSettings> },
): Promise<OrgView> {
  const p = caller.principal;
  requireScopes(p, "org:admin");
  requireOrgWide(p, "org settings");
  return withOrg(deps.sql, p.orgId, async (tx) => {
    const { rows } = await tx.query<Record<string, unknown>>(
      `UPDATE orgs SET name = coalesce($2, name), settings = settings || $3::jsonb, updated_at = now()
        WHERE id = $1 RETURNING ${ORG_COLUMNS}`,
      [p.orgId, patch.name ?? null, JSON.stringify(patch.settings ?? {})],
    );
    if (!rows[0]) throw notFound("organisation");
    await recordAudit(tx, p.orgId, auditActor(caller), "org.update", p.orgId, {
      fields: Object.keys(patch).concat(Object.keys(patch.settings ?? {}).map((k) => `settings.${k}`)),
    });
    return toOrgView(rows[0]);
  });
}
