import type { BlobStore } from "../blobs/ports.js";
import { isBlobStoreConfigured } from "../blobs/unavailable.js";
import type { SqlClient } from "../db/ports.js";
import { queryAsOrg } from "../db/tenant.js";
import type { JobRun } from "../jobs/handlers.js";
import type { JobPayload } from "../jobs/messages.js";
import { toIso } from "../lib/clock.js";
import { sha256Hex } from "../lib/crypto.js";
import { AppError } from "../lib/errors.js";
import { gzip } from "../lib/gzip.js";
import type { Logger } from "../lib/logger.js";
import { readArchiveObject, storeCall } from "./archive-object.js";
import {
  ARCHIVE_CONTENT_ENCODING,
  ARCHIVE_CONTENT_TYPE,
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  type ArchivedMessage,
  type ArchiveHeader,
  archiveKey,
  toArchivedMessage,
} from "./model.js";

export interface ArchiveSessionDeps {
  sql: SqlClient;
  blobs: BlobStore;
  logger: Logger;
}

/** The content-free tally a run leaves on its job. */
export interface ArchiveTally {
  messages: number;
  /** Bytes stored (gzipped). */
  bytes: number;
  /** Messages taken from the previous archive because they had been pruned from Postgres. */
  from_archive: number;
  skipped?: "session_gone" | "session_active" | "no_object_store";
}

const LINES_PER_CHUNK = 1_000;
/** Writes that found the session changed under them before giving up (retryably). */
const MAX_ROUNDS = 3;

interface Snapshot {
  header: ArchiveHeader;
  key: string;
  previousKey: string | null;
  pruned: boolean;
  rows: ArchivedMessage[];
}

/**
 * The session and the messages Postgres holds, in one statement: one snapshot, so
 * the messages are exactly those of the count read, and no lock or transaction id
 * (a read commits without a WAL flush).
 */
async function snapshot(
  sql: SqlClient,
  orgId: string,
  agentId: string,
  sessionId: string,
): Promise<Snapshot | "gone" | "active"> {
  const { rows } = await queryAsOrg<Record<string, unknown>>(
    sql,
    orgId,
    `SELECT s.external_id, s.status, s.turn_count, s.created_at AS started_at, s.completed_at,
            s.archive_key, s.messages_pruned_at,
            m.seq, m.role, m.content, m.created_at, m.sent_at, m.metadata
       FROM sessions s
       LEFT JOIN session_messages m ON m.org_id = s.org_id AND m.session_id = s.id
      WHERE s.org_id = $1 AND s.id = $2 AND s.agent_id = $3
      ORDER BY m.seq`,
    [orgId, sessionId, agentId],
  );
  const s = rows[0];
  if (!s) return "gone";
  if (s.status === "active") return "active";
  const startedAt = toIso(s.started_at) ?? "";
  const header: ArchiveHeader = {
    format: ARCHIVE_FORMAT,
    org_id: orgId,
    agent_id: agentId,
    session_id: String(s.external_id),
    session_uuid: sessionId,
    status: s.status as ArchiveHeader["status"],
    started_at: startedAt,
    ended_at: toIso(s.completed_at),
    message_count: Number(s.turn_count),
  };
  return {
    header,
    key: archiveKey({ orgId, agentId, startedAt, sessionId: header.session_id }),
    previousKey: s.archive_key == null ? null : String(s.archive_key),
    pruned: s.messages_pruned_at != null,
    rows: rows.filter((r) => r.seq != null).map(toArchivedMessage),
  };
}

/** Whether `messages` are exactly seq 0…count-1, in order: a transcript with no gap. */
function isWhole(messages: readonly ArchivedMessage[], count: number): boolean {
  return messages.length === count && messages.every((m, i) => m.seq === i);
}

/** The session's transcript as gzipped NDJSON: the header line, then one line per message. */
async function encode(header: ArchiveHeader, messages: readonly ArchivedMessage[]): Promise<Uint8Array> {
  const encoder = new TextEncoder();
  const chunks = [encoder.encode(`${JSON.stringify(header)}\n`)];
  for (let i = 0; i < messages.length; i += LINES_PER_CHUNK) {
    const lines = messages.slice(i, i + LINES_PER_CHUNK).map((m) => `${JSON.stringify(m)}\n`);
    chunks.push(encoder.encode(lines.join("")));
  }
  return gzip(chunks);
}

/**
 * Records the object just written, if the session is still as it was read (locked,
 * same status and count): upserts `session_archives` and sets `sessions.archive_key`
 * — never the status — in one statement. Otherwise says what it found: the session
 * deleted or changed meanwhile.
 */
async function record(
  sql: SqlClient,
  orgId: string,
  snap: Snapshot,
  stored: { bytes: number; sha256: string },
): Promise<"recorded" | "gone" | "changed"> {
  // Turns of a reopened, once-pruned session are in Postgres again: prunable once more.
  const refilled = snap.pruned && snap.rows.length > 0;
  const { rows } = await queryAsOrg<{ found: number; recorded: number }>(
    sql,
    orgId,
    `WITH s AS (
       SELECT id, status, turn_count FROM sessions WHERE org_id = $1 AND id = $2 FOR UPDATE),
     ok AS (SELECT id FROM s WHERE status = $9 AND turn_count = $6),
     archive AS (
       INSERT INTO session_archives
         (session_id, org_id, object_key, bytes, sha256, message_count, format_version, content_encoding)
       SELECT ok.id, $1, $3, $4, $5, $6, $7, $8 FROM ok
       ON CONFLICT (session_id) DO UPDATE
         SET object_key = EXCLUDED.object_key, bytes = EXCLUDED.bytes, sha256 = EXCLUDED.sha256,
             message_count = EXCLUDED.message_count, format_version = EXCLUDED.format_version,
             content_encoding = EXCLUDED.content_encoding, deleted_at = NULL,
             created_at = CASE WHEN session_archives.sha256 = EXCLUDED.sha256
                               THEN session_archives.created_at ELSE now() END
       RETURNING session_id),
     marked AS (
       UPDATE sessions x SET archive_key = $3,
              messages_pruned_at = CASE WHEN $10::boolean THEN NULL ELSE x.messages_pruned_at END
         FROM ok WHERE x.org_id = $1 AND x.id = ok.id RETURNING x.id)
     SELECT (SELECT count(*) FROM s)::int AS found,
            (SELECT count(*) FROM marked)::int AS recorded`,
    [
      orgId,
      snap.header.session_uuid,
      snap.key,
      stored.bytes,
      stored.sha256,
      snap.header.message_count,
      ARCHIVE_FORMAT_VERSION,
      ARCHIVE_CONTENT_ENCODING,
      snap.header.status,
      refilled,
    ],
  );
  const r = rows[0];
  if (!r || Number(r.found) === 0) return "gone";
  return Number(r.recorded) > 0 ? "recorded" : "changed";
}

/**
 * The `session.archive` job (ADR-0041): writes a completed or abandoned session's
 * transcript to object storage as gzipped NDJSON at `archiveKey(…)`, then records the
 * object (key, bytes, sha256, count) in `session_archives` and `sessions.archive_key`.
 * Idempotent: the same session gives the same bytes at the same key and the same
 * row. Messages already pruned from Postgres are taken from the previous archive, so
 * a reopened session's new archive is whole. When the session changed between the
 * read and the record (reopened and ended again), it is read and written again; when
 * it was deleted meanwhile, the object just written is removed. A session that is
 * gone or active again is skipped (its next end enqueues a new job). An archive is
 * only ever written whole: when the previous archive does not hold the messages
 * pruned from Postgres (it is missing, or short), the job fails without writing.
 * @throws UNAVAILABLE (retryable: object storage down), INTERNAL (not retryable: the
 *   previous archive is unreadable or does not hold the pruned messages)
 */
export async function archiveSession(
  deps: ArchiveSessionDeps,
  run: JobRun,
  payload: JobPayload<"session.archive">,
): Promise<ArchiveTally> {
  const { orgId } = run;
  const tally: ArchiveTally = { messages: 0, bytes: 0, from_archive: 0 };
  // Without object storage there is nowhere to archive to: the transcript stays in
  // Postgres (nothing prunes an unarchived session), and no dead letter piles up per session.
  if (!isBlobStoreConfigured(deps.blobs)) return { ...tally, skipped: "no_object_store" };
  let gap: string | null = null;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const snap = await snapshot(deps.sql, orgId, payload.agent_id, payload.session_id);
    if (snap === "gone") return { ...tally, skipped: "session_gone" };
    if (snap === "active") return { ...tally, skipped: "session_active" };

    // Postgres holds a suffix of the transcript; what precedes it was pruned into the archive.
    const firstHeld = snap.rows[0]?.seq ?? snap.header.message_count;
    let earlier: ArchivedMessage[] = [];
    if (firstHeld > 0 && snap.previousKey) {
      // A store that is down throws a retryable UNAVAILABLE here; a missing object reads as null.
      const previous = await readArchiveObject(deps.blobs, snap.previousKey);
      earlier = (previous?.messages ?? []).filter((m) => m.seq < firstHeld);
    }
    const messages = [...earlier, ...snap.rows];
    if (!isWhole(messages, snap.header.message_count)) {
      // The pruned messages are not where the row says (the previous archive is missing
      // or does not hold them). Read once more: the session may have been deleted, or
      // re-archived, meanwhile. The same gap twice is for an operator: never an archive
      // that claims a whole transcript and has a hole in it.
      const seen = `${snap.previousKey}|${snap.header.message_count}|${firstHeld}`;
      if (gap === seen) {
        deps.logger.error("session archive incomplete", {
          job_id: run.jobId,
          held: snap.rows.length,
          from_archive: earlier.length,
          expected: snap.header.message_count,
        });
        throw new AppError("INTERNAL", "the session's pruned messages are missing from its archive", {
          retryable: false,
        });
      }
      gap = seen;
      continue;
    }
    const body = await encode(snap.header, messages);
    const stored = { bytes: body.length, sha256: await sha256Hex(body) };
    await storeCall(() =>
      deps.blobs.put(snap.key, body, {
        contentType: ARCHIVE_CONTENT_TYPE,
        contentEncoding: ARCHIVE_CONTENT_ENCODING,
      }),
    );
    const outcome = await record(deps.sql, orgId, snap, stored);
    if (outcome === "gone") {
      // Deleted while it was being written: nothing of it may stay behind.
      await storeCall(() => deps.blobs.delete(snap.key));
      return { ...tally, skipped: "session_gone" };
    }
    if (outcome === "changed") continue;
    const previousKey = snap.previousKey;
    if (previousKey && previousKey !== snap.key) {
      await storeCall(() => deps.blobs.delete(previousKey)).catch((err: unknown) =>
        deps.logger.warn("old session archive not removed", {
          job_id: run.jobId,
          error: err instanceof Error ? err.name : "unknown",
        }),
      );
    }
    return { messages: messages.length, bytes: stored.bytes, from_archive: earlier.length };
  }
  throw new AppError("UNAVAILABLE", "the session kept changing while it was archived", { retryable: true });
}
