import { readArchiveObject } from "../archives/archive-object.js";
import type { ArchivedMessage } from "../archives/model.js";
import { type Caller, requireAgentAccess, requireScopes } from "../auth/principal.js";
import type { BlobStore } from "../blobs/ports.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { AppError } from "../lib/errors.js";
import { findSession } from "./find-session.js";
import { type MessageView, type SessionView, toMessageView, toSessionView } from "./model.js";

export interface SessionDetail extends SessionView {
  messages: MessageView[];
  /** Pass as `after_seq` for the next page; null on the last. */
  next_after_seq: number | null;
  /** `archive` when messages on this page were read from the session's archive (pruned from Postgres). */
  messages_source: "database" | "archive";
}

/** An archive line as the API shows a message. */
function fromArchive(m: ArchivedMessage): MessageView {
  return {
    seq: m.seq,
    role: m.role,
    content: m.content,
    created_at: m.sent_at ?? m.created_at,
    received_at: m.created_at,
    metadata: m.metadata ?? null,
  };
}

/**
 * A session's metadata and one page of its messages in order: those after
 * `afterSeq` (from the start when absent), at most `limit`. Postgres holds a suffix
 * of the transcript (messages are pruned whole once archived, and a reopened
 * session's new turns follow); what precedes it is read from the archive.
 * @throws PERMISSION_DENIED, NOT_FOUND (also another org's session), UNAVAILABLE
 *   (the archive is needed and object storage is down)
 */
export async function getSession(
  deps: { sql: SqlClient; blobs: BlobStore },
  caller: Caller,
  agentId: string,
  sessionId: string,
  page: { limit: number; afterSeq?: number },
): Promise<SessionDetail> {
  const p = caller.principal;
  requireScopes(p, "session:read");
  requireAgentAccess(p, agentId);
  if (page.limit < 1 || page.limit > 500) throw new AppError("INVALID_ARGUMENT", "limit must be 1–500");
  const after = page.afterSeq ?? -1;
  const { row, rows } = await withOrg(deps.sql, p.orgId, async (tx) => {
    const row = await findSession(tx, p.orgId, agentId, sessionId);
    const { rows } = await tx.query(
      `SELECT seq, role, content, sent_at, created_at, metadata FROM session_messages
        WHERE org_id = $1 AND session_id = $2 AND seq > $3 ORDER BY seq LIMIT $4`,
      [p.orgId, row.id, after, page.limit + 1],
    );
    return { row, rows };
  });
  let messages = rows.map(toMessageView);
  let source: SessionDetail["messages_source"] = "database";
  // Messages before the first one Postgres holds were pruned into the archive.
  const firstHeld = messages[0]?.seq ?? Number(row.turn_count);
  if (after + 1 < firstHeld && row.archive_key != null) {
    const archive = await readArchiveObject(deps.blobs, String(row.archive_key));
    const earlier = (archive?.messages ?? []).filter((m) => m.seq > after && m.seq < firstHeld);
    if (earlier.length > 0) {
      messages = [...earlier.slice(0, page.limit + 1).map(fromArchive), ...messages];
      source = "archive";
    }
  }
  const shown = messages.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    ...toSessionView(row),
    messages: shown,
    next_after_seq: messages.length > page.limit && last ? last.seq : null,
    messages_source: source,
  };
}
