import { recordAudit } from "../audit/record-audit.js";
import { maskOf, PRESETS } from "../auth/permissions.js";
import { auditActor, type Caller, requireScopes } from "../auth/principal.js";
import { isUniqueViolation, type SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { AppError } from "../lib/errors.js";
import { uuidv7 } from "../lib/ids.js";
import { insertToken } from "../tokens/insert-token.js";
import type { TokenView } from "../tokens/model.js";
import { ORG_COLUMNS, type OrgView, toOrgView } from "./model.js";

export interface CreateOrgInput {
  name: string;
  slug: string;
  tier: OrgView["tier"];
  owner?: { email: string; name: string };
}

/**
 * Onboards a tenant: creates the org, optionally its owner, and its first admin token
 * (plaintext returned once). Audited in both the new org and the caller's, in one
 * transaction.
 * @throws PERMISSION_DENIED (needs platform:admin), CONFLICT (slug taken)
 */
export async function createOrg(
  deps: { sql: SqlClient; pepper: string },
  caller: Caller,
  input: CreateOrgInput,
): Promise<{ org: OrgView; admin_token: TokenView & { token: string } }> {
  const p = caller.principal;
  requireScopes(p, "platform:admin");
  const orgId = uuidv7();
  try {
    return await withOrg(deps.sql, orgId, async (tx) => {
      const { rows } = await tx.query<Record<string, unknown>>(
        `INSERT INTO orgs (id, name, slug, tier) VALUES ($1, $2, $3, $4) RETURNING ${ORG_COLUMNS}`,
        [orgId, input.name, input.slug, input.tier],
      );
      const org = toOrgView(rows[0] ?? {});
      let userId: string | null = null;
      if (input.owner) {
        userId = uuidv7();
        await tx.query("INSERT INTO users (id, org_id, email, name, role) VALUES ($1, $2, $3, $4, 'owner')", [
          userId,
          orgId,
          input.owner.email,
          input.owner.name,
        ]);
      }
      const { view, plaintext } = await insertToken(tx, deps.pepper, {
        orgId,
        name: "initial admin token",
        kind: "pat",
        permissions: maskOf(PRESETS.admin),
        userId,
        createdBy: p.tokenId,
      });
      await recordAudit(tx, orgId, auditActor(caller), "org.create", orgId, {
        slug: org.slug,
        tier: org.tier,
      });
      // Switch scope inside the same transaction so both audit rows commit together.
      await tx.query("SELECT set_config('app.current_org_id', $1, true)", [p.orgId]);
      await recordAudit(tx, p.orgId, auditActor(caller), "org.onboard", orgId, { slug: org.slug });
      return { org, admin_token: { ...view, token: plaintext } };
    });
  } catch (err) {
    if (isUniqueViolation(err, "orgs_slug_key")) {
      throw new AppError("CONFLICT", "an organisation with this slug already exists", {
        fields: [{ path: "slug", message: "already in use" }],
      });
    }
    throw err;
  }
}
