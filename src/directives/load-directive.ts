import type { SqlExecutor } from "../db/ports.js";
import type { ActiveDirective } from "./cache.js";

const toDirective = (r: Record<string, unknown>): ActiveDirective => ({
  versionId: String(r.id),
  versionNum: Number(r.version_num),
  content: String(r.content),
  injectionMode: r.injection_mode === "system_append" ? "system_append" : "system_first",
});

/**
 * The agent's active directive version, or a specific version of its directive when
 * `versionId` is given (the gateway may pin one). Null when there is none.
 */
export async function loadDirective(
  tx: SqlExecutor,
  orgId: string,
  agentId: string,
  versionId?: string,
): Promise<ActiveDirective | null> {
  const { rows } = await tx.query<Record<string, unknown>>(
    `SELECT v.id, v.version_num, v.content, d.injection_mode
       FROM directives d JOIN directive_versions v ON v.org_id = d.org_id AND v.directive_id = d.id
      WHERE d.org_id = $1 AND d.agent_id = $2
        AND v.id = coalesce($3::uuid, d.active_version_id)`,
    [orgId, agentId, versionId ?? null],
  );
  return rows[0] ? toDirective(rows[0]) : null;
}
