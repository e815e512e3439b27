import { recordAudit } from "../audit/record-audit.js";
import { auditActor, type Caller, requireAgentAccess, requireScopes } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { AppError } from "../lib/errors.js";
import { AGENT_COLUMNS, type AgentView, lockAgent, TRANSITIONS, toAgentView } from "./model.js";

export type AgentAction = keyof typeof TRANSITIONS;

/**
 * Activates, pauses or archives an agent. Repeating an action is a no-op; archived
 * agents stay archived.
 * @throws PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION (leaving archived)
 */
export async function changeAgentStatus(
  deps: { sql: SqlClient },
  caller: Caller,
  id: string,
  action: AgentAction,
): Promise<AgentView> {
  const p = caller.principal;
  requireScopes(p, "agent:write");
  requireAgentAccess(p, id);
  return withOrg(deps.sql, p.orgId, async (tx) => {
    const current = await lockAgent(tx, p.orgId, id);
    const next = TRANSITIONS[action][current.status];
    if (!next) {
      throw new AppError("FAILED_PRECONDITION", `cannot ${action} an agent that is ${current.status}`);
    }
    if (next === current.status) return current;
    const { rows } = await tx.query<Record<string, unknown>>(
      `UPDATE agents SET status = $3, updated_at = now() WHERE org_id = $1 AND id = $2 RETURNING ${AGENT_COLUMNS}`,
      [p.orgId, id, next],
    );
    await recordAudit(tx, p.orgId, auditActor(caller), `agent.${action}`, id, {
      from: current.status,
      to: next,
    });
    return toAgentView(rows[0] ?? {});
  });
}
