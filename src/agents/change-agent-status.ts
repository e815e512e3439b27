import { recordAudit } from "../audit/record-audit.js";
import { auditActor, type Caller } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { AppError } from "../lib/errors.js";
import { AGENT_COLUMNS, type AgentView, mutateAgent, TRANSITIONS, toAgentView } from "./model.js";

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
  const orgId = caller.principal.orgId;
  return mutateAgent(deps.sql, caller, id, async (tx, current) => {
    const next = TRANSITIONS[action][current.status];
    if (!next) {
      throw new AppError("FAILED_PRECONDITION", `cannot ${action} an agent that is ${current.status}`);
    }
    if (next === current.status) return current;
    const { rows } = await tx.query<Record<string, unknown>>(
      `UPDATE agents SET status = $3, updated_at = now() WHERE org_id = $1 AND id = $2 RETURNING ${AGENT_COLUMNS}`,
      [orgId, id, next],
    );
    await recordAudit(tx, orgId, auditActor(caller), `agent.${action}`, id, {
      from: current.status,
      to: next,
    });
    return toAgentView(rows[0] ?? {});
  });
}
