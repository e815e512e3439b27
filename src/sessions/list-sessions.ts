import { type Caller, requireAgentAccess, requireScopes } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { decodeCursor, type Page, toPage } from "../lib/cursor.js";
import { requireAgent } from "../memory/agent-scope.js";
import { SESSION_COLUMNS, type SessionStatus, type SessionView, toSessionView } from "./model.js";

export interface ListSessionsQuery {
  limit: number;
  cursor?: string;
  status?: SessionStatus;
  started_after?: string;
  started_before?: string;
}

/**
 * An agent's sessions, newest first (UUIDv7 order is start order), by status and start time.
 * @throws PERMISSION_DENIED, NOT_FOUND (agent), INVALID_ARGUMENT (bad cursor)
 */
export async function listSessions(
  deps: { sql: SqlClient },
  caller: Caller,
  agentId: string,
  q: ListSessionsQuery,
): Promise<Page<SessionView>> {
  const p = caller.principal;
  requireScopes(p, "session:read");
  requireAgentAccess(p, agentId);
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  return withOrg(deps.sql, p.orgId, async (tx) => {
    await requireAgent(tx, p.orgId, agentId);
    const { rows } = await tx.query(
      `SELECT ${SESSION_COLUMNS} FROM sessions
        WHERE org_id = $1 AND agent_id = $2 AND ($3::uuid IS NULL OR id < $3::uuid)
          AND ($4::text IS NULL OR status = $4::text)
          AND ($5::timestamptz IS NULL OR created_at > $5) AND ($6::timestamptz IS NULL OR created_at < $6)
        ORDER BY id DESC LIMIT $7`,
      [
        p.orgId,
        agentId,
        after,
        q.status ?? null,
        q.started_after ?? null,
        q.started_before ?? null,
        q.limit + 1,
      ],
    );
    // The cursor is the internal id; the view's id is the gateway's.
    const page = toPage(
      rows.map((r) => ({ id: String(r.id), view: toSessionView(r) })),
      q.limit,
    );
    return { items: page.items.map((i) => i.view), next_cursor: page.next_cursor };
  });
}
