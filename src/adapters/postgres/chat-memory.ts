import type { SqlClient, SqlExecutor } from "../../db/ports.js";
import { withOrg } from "../../db/tenant.js";
import { toIso } from "../../lib/clock.js";
import { jsonColumn } from "../../lib/columns.js";
import { AppError, notFound } from "../../lib/errors.js";
import { checkedMessages } from "../../memory/messages.js";
import type { AppendableChatMemory, Message } from "../../memory/ports.js";

export interface PostgresChatMemoryOptions {
  sql: SqlClient;
  orgId: string;
  /** The `sessions.id` whose messages this is; the session row must exist. */
  sessionId: string;
  /**
   * An open tenant transaction to work in instead of one of its own per call, so an
   * append commits together with the caller's other writes (session ingestion).
   */
  tx?: SqlExecutor;
}

async function insertMessages(
  tx: SqlExecutor,
  o: PostgresChatMemoryOptions,
  first: number,
  messages: Message[],
) {
  if (messages.length === 0) return;
  await tx.query(
    `INSERT INTO session_messages (session_id, org_id, seq, role, content, sent_at, metadata)
     SELECT $1, $2, $3 + t.ord - 1, t.role, t.content, t.sent_at, t.metadata
       FROM unnest($4::text[], $5::text[], $6::timestamptz[], $7::jsonb[])
            WITH ORDINALITY AS t(role, content, sent_at, metadata, ord)`,
    [
      o.sessionId,
      o.orgId,
      first,
      messages.map((m) => m.role),
      messages.map((m) => m.content),
      messages.map((m) => m.createdAt ?? null),
      messages.map((m) => (m.metadata === undefined ? null : JSON.stringify(m.metadata))),
    ],
  );
}

interface StoredMessage {
  role: Message["role"];
  content: string;
  sent_at: unknown;
  metadata: unknown;
}

function toMessage(r: StoredMessage): Message {
  const m: Message = { role: r.role, content: r.content };
  const sentAt = toIso(r.sent_at);
  if (sentAt !== null) m.createdAt = sentAt;
  if (r.metadata != null) m.metadata = jsonColumn<Record<string, unknown>>(r.metadata);
  return m;
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
  const inTx = <T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> =>
    o.tx ? fn(o.tx) : withOrg(o.sql, o.orgId, fn);
  const memory: AppendableChatMemory = {
    async load() {
      return inTx(async (tx) => {
        const { rows } = await tx.query<StoredMessage>(
          `SELECT role, content, sent_at, metadata FROM session_messages
            WHERE org_id = $1 AND session_id = $2 ORDER BY seq`,
          [o.orgId, o.sessionId],
        );
        return rows.map(toMessage);
      });
    },
    async save(messages) {
      const checked = checkedMessages(messages);
      await inTx(async (tx) => {
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
      return inTx(async (tx) => {
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
