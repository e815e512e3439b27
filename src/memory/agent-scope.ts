import type { SqlExecutor } from "../db/ports.js";
import { AppError, notFound } from "../lib/errors.js";

/** The agent must exist in the caller's org (other orgs' agents answer 404). */
export async function requireAgent(tx: SqlExecutor, orgId: string, agentId: string): Promise<void> {
  const { rows } = await tx.query(
    "SELECT 1 FROM agents WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL",
    [orgId, agentId],
  );
  if (rows.length === 0) throw notFound("agent");
}

/**
 * The agent must exist (live) and not be archived for a write.
 * @throws NOT_FOUND, FAILED_PRECONDITION
 */
export async function requireWritableAgent(tx: SqlExecutor, orgId: string, agentId: string): Promise<void> {
  const agent = await tx.query<{ status: string }>(
    "SELECT status FROM agents WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL",
    [orgId, agentId],
  );
  if (!agent.rows[0]) throw notFound("agent");
  if (agent.rows[0].status === "archived") throw new AppError("FAILED_PRECONDITION", "the agent is archived");
}
