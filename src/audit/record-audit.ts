import type { SqlExecutor } from "../db/ports.js";
import { uuidv7 } from "../lib/ids.js";

/** Who did it, for the audit trail. */
export interface AuditActor {
  /** The token id (or `system`). */
  actor: string;
  requestId: string | null;
}

/**
 * Appends an audit row inside the caller's transaction, so the change and its record
 * commit together. `details` must never hold secrets, tokens or memory content.
 */
export async function recordAudit(
  tx: SqlExecutor,
  orgId: string,
  who: AuditActor,
  action: string,
  target: string | null,
  details: Record<string, unknown> = {},
): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (id, org_id, actor, action, target, details, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [uuidv7(), orgId, who.actor, action, target, JSON.stringify(details), who.requestId],
  );
}
