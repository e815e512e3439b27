import type { SqlExecutor } from "../db/ports.js";
import { notFound } from "../lib/errors.js";
import { SESSION_COLUMNS } from "./model.js";

/**
 * The session `externalId` of an agent in the org, locked for update when asked.
 * @throws NOT_FOUND (also for another org's or agent's session)
 */
export async function findSession(
  tx: SqlExecutor,
  orgId: string,
  agentId: string,
  externalId: string,
  lock = false,
): Promise<Record<string, unknown>> {
  const { rows } = await tx.query(
    `SELECT ${SESSION_COLUMNS} FROM sessions WHERE org_id = $1 AND agent_id = $2 AND external_id = $3
     ${lock ? "FOR UPDATE" : ""}`,
    [orgId, agentId, externalId],
  );
  const row = rows[0];
  if (!row) throw notFound("session");
  return row;
}
