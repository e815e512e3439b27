import type { SqlClient, SqlExecutor } from "../../db/ports.js";
import { withOrg } from "../../db/tenant.js";
import { AppError, notFound } from "../../lib/errors.js";
import { checkedMessages } from "../../memory/messages.js";
import type { AppendableChatMemory, Message } from "../../memory/ports.js";

export interface PostgresChatMemoryOptions {
  sql: SqlClient;
  orgId: string;
  /** The `sessions.id` whose messages this is; the session row must exist. */
  sessionId: string;
}

async function insertMessages(
  tx: SqlExecutor,
  o: PostgresChatMemoryOptions,
  first: number,
  messages: Message[],
) {
  if (messages.length === 0) return;
  await tx.query(
    `INSERT INTO session_messages (session_id, org_id, seq, role, content)
     SELECT $1, $2, $3 + t.ord - 1, t.role, t.content
       FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS t(role, content, ord)`,
    [o.sessionId, o.orgId, first, messages.map((m) => m.role), messages.map((m) => m.content)],
  );
}

/** Locks the session row: serialises every writer of this history. */
async function lockSession(tx: SqlExecutor, o: PostgresChatMemoryOptions): Promise<number> {
  const { rows } = await tx.query<{ turn_count: number }>(
    "SELECT turn_count FROM sessions WHERE org_id = $1 AND id = $2 FOR UPDATE",
    [o.orgId, o.sessionId],
  );
  const row = rows[0];
  if (!row) throw notFound("session");
  return Number(row.turn_count);
}

/**
 * The Postgres ChatMemory over `session_messages` (one row per message, seq 0…n-1).
 * save() replaces all rows in one transaction (CM4); append() locks the session row
 * and numbers new messages after the current count (A1), checking `expectedLength`
 * against it (A2). `sessions.turn_count` is kept equal to the message count.
 */
export function createPostgresChatMemory(o: PostgresChatMemoryOptions): AppendableChatMemory {
  const memory: AppendableChatMemory = {
    async load() {
      return withOrg(o.sql, o.orgId, async (tx) => {
        const { rows } = await tx.query<Message>(
          "SELECT role, content FROM session_messages WHERE org_id = $1 AND session_id = $2 ORDER BY seq",
          [o.orgId, o.sessionId],
        );
        return rows.map((r) => ({ role: r.role, content: r.content }));
      });
    },
    async save(messages) {
      const checked = checkedMessages(messages);
      await withOrg(o.sql, o.orgId, async (tx) => {
        await lockSession(tx, o);
        await tx.query("DELETE FROM session_messages WHERE org_id = $1 AND session_id = $2", [
          o.orgId,
          o.sessionId,
        ]);
        await insertMessages(tx, o, 0, checked);
        await tx.query(
          "UPDATE sessions SET turn_count = $3, last_activity_at = now() WHERE org_id = $1 AND id = $2",
          [o.orgId, o.sessionId, checked.length],
        );
      });
    },
    clear: () => memory.save([]),
    async append(messages, options = {}) {
      const checked = checkedMessages(messages);
      return withOrg(o.sql, o.orgId, async (tx) => {
        const current = await lockSession(tx, o);
        if (options.expectedLength !== undefined && options.expectedLength !== current) {
          throw new AppError("CONFLICT", "history length changed since it was read");
        }
        await insertMessages(tx, o, current, checked);
        const length = current + checked.length;
        await tx.query(
          "UPDATE sessions SET turn_count = $3, last_activity_at = now() WHERE org_id = $1 AND id = $2",
          [o.orgId, o.sessionId, length],
        );
        return length;
      });
    },
  };
  return memory;
}
