import { hasScopes } from "../auth/permissions.js";
import { type Caller, requireScopes } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { withMaintenance, withOrg } from "../db/tenant.js";
import { notFound } from "../lib/errors.js";
import { PURGE_COLUMNS, type PurgeView, toPurgeView } from "./model.js";

/**
 * One purge: status, progress and, once it succeeded, the signed certificate. A
 * platform admin reads any org's (an org purge revokes the org's own tokens, so
 * afterwards only a platform admin can read it); an org admin reads its org's agent
 * purges (an agent-bound token only its agent's).
 * @throws PERMISSION_DENIED (needs org:admin or platform:admin), NOT_FOUND
 */
export async function getPurge(deps: { sql: SqlClient }, caller: Caller, id: string): Promise<PurgeView> {
  const p = caller.principal;
  const select = `SELECT ${PURGE_COLUMNS} FROM purges WHERE id = $1`;
  let row: Record<string, unknown> | undefined;
  if (hasScopes(p.permissions, ["platform:admin"])) {
    row = (await withMaintenance(deps.sql, "purges", (tx) => tx.query<Record<string, unknown>>(select, [id])))
      .rows[0];
  } else {
    requireScopes(p, "org:admin");
    row = (await withOrg(deps.sql, p.orgId, (tx) => tx.query<Record<string, unknown>>(select, [id]))).rows[0];
  }
  const purge = row ? toPurgeView(row) : null;
  if (!purge) throw notFound("purge");
  if (p.agentId !== null && purge.agent_id !== p.agentId && !hasScopes(p.permissions, ["platform:admin"])) {
    throw notFound("purge");
  }
  return purge;
}
