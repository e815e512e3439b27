import type { SqlExecutor } from "../db/ports.js";

/**
 * Deletes from Postgres the messages of up to `limit` sessions of the org that are
 * safely archived — ended (not active) before `olderThan`, with `archive_key` set and
 * an archive row for that key whose message count is the session's, and whose turns
 * extraction has read (or never will) — and stamps `messages_pruned_at`. The session rows stay; their messages are then read from the
 * archive (getSession). Sessions another transaction holds (a turn arriving, a job
 * recording its archive) are skipped and taken by a later call. Run it inside the
 * org's tenant transaction (withOrg).
 * @returns the number of sessions pruned (fewer than `limit`: nothing more is due now)
 */
export async function pruneArchivedMessages(
  tx: SqlExecutor,
  orgId: string,
  olderThan: Date,
  limit: number,
): Promise<number> {
  const { rows } = await tx.query<{ sessions: number }>(
    `WITH due AS (
       SELECT s.id FROM sessions s
         JOIN session_archives a ON a.org_id = s.org_id AND a.session_id = s.id
         JOIN agents g ON g.org_id = s.org_id AND g.id = s.agent_id
        WHERE s.org_id = $1 AND s.status <> 'active' AND s.archive_key IS NOT NULL
          AND s.messages_pruned_at IS NULL AND s.completed_at < $2
          AND a.object_key = s.archive_key AND a.deleted_at IS NULL AND a.message_count = s.turn_count
          -- Extraction reads turns from Postgres: they stay until it has read them all, or
          -- until it never will (extraction off, agent archived or deleted).
          AND (s.last_extracted_turn >= s.turn_count - 1
               OR g.config->>'memory_extraction_enabled' = 'false'
               OR g.status = 'archived' OR g.deleted_at IS NOT NULL)
        ORDER BY s.completed_at
        LIMIT $3
        FOR UPDATE OF s SKIP LOCKED),
     gone AS (
       DELETE FROM session_messages m USING due WHERE m.org_id = $1 AND m.session_id = due.id),
     marked AS (
       UPDATE sessions s SET messages_pruned_at = now() FROM due
        WHERE s.org_id = $1 AND s.id = due.id RETURNING s.id)
     SELECT count(*)::int AS sessions FROM marked`,
    [orgId, olderThan.toISOString(), limit],
  );
  return Number(rows[0]?.sessions ?? 0);
}
