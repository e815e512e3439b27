import { type Caller, requireAgentAccess, requireScopes } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { AppError } from "../lib/errors.js";
import { findSession } from "./find-session.js";
import { type MessageView, type SessionView, toMessageView, toSessionView } from "./model.js";

export interface SessionDetail extends SessionView {
  messages: MessageView[];
  /** Pass as `after_seq` for the next page; null on the last. */
  next_after_seq: number | null;
}

/**
 * A session's metadata and one page of its messages in order: those after
 * `afterSeq` (from the start when absent), at most `limit`.
 * @throws PERMISSION_DENIED, NOT_FOUND (also another org's session)
 */
export async function getSession(
  deps: { sql: SqlClient },
  caller: Caller,
  agentId: string,
  sessionId: string,
  page: { limit: number; afterSeq?: number },
): Promise<SessionDetail> {
  const p = caller.principal;
  requireScopes(p, "session:read");
  requireAgentAccess(p, agentId);
  if (page.limit < 1 || page.limit > 500) throw new AppError("INVALID_ARGUMENT", "limit must be 1–500");
  return withOrg(deps.sql, p.orgId, async (tx) => {
    const row = await findSession(tx, p.orgId, agentId, sessionId);
    const { rows } = await tx.query(
      `SELECT seq, role, content, sent_at, created_at, metadata FROM session_messages
        WHERE org_id = $1 AND session_id = $2 AND seq > $3 ORDER BY seq LIMIT $4`,
      [p.orgId, row.id, page.afterSeq ?? -1, page.limit + 1],
    );
    const messages = rows.slice(0, page.limit).map(toMessageView);
    const last = messages.at(-1);
    return {
      ...toSessionView(row),
      messages,
      next_after_seq: rows.length > page.limit && last ? last.seq : null,
    };
  });
}
