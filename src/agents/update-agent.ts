import { recordAudit } from "../audit/record-audit.js";
import { auditActor, type Caller } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { AGENT_COLUMNS, type AgentConfig, type AgentView, mutateAgent, toAgentView } from "./model.js";

/**
 * Renames an agent and/or merges config keys. The slug is immutable.
 * @throws PERMISSION_DENIED, NOT_FOUND
 */
export async function updateAgent(
  deps: { sql: SqlClient },
  caller: Caller,
  id: string,
  patch: { name?: string; config?: Partial<AgentConfig> },
): Promise<AgentView> {
  const orgId = caller.principal.orgId;
  return mutateAgent(deps.sql, caller, id, async (tx, current) => {
    const config = { ...current.config, ...patch.config };
    const { rows } = await tx.query<Record<string, unknown>>(
      `UPDATE agents SET name = $3, config = $4, updated_at = now()
        WHERE org_id = $1 AND id = $2 RETURNING ${AGENT_COLUMNS}`,
      [orgId, id, patch.name ?? current.name, JSON.stringify(config)],
    );
    await recordAudit(tx, orgId, auditActor(caller), "agent.update", id, {
      fields: Object.keys(patch).concat(Object.keys(patch.config ?? {}).map((k) => `config.${k}`)),
    });
    return toAgentView(rows[0] ?? {});
  });
}
