import { toIso } from "../lib/clock.js";
import { jsonColumn } from "../lib/columns.js";

/** The archive format (ADR-0041): the header's `format` and `session_archives.format_version`. */
export const ARCHIVE_FORMAT = "engram.session.v1";
export const ARCHIVE_FORMAT_VERSION = 1;
export const ARCHIVE_CONTENT_TYPE = "application/x-ndjson";
export const ARCHIVE_CONTENT_ENCODING = "gzip";
/** How long an archive's download link works (sessions-jobs-archives.md: 15 minutes). */
export const ARCHIVE_LINK_TTL_S = 15 * 60;
/** What Engram signs its own archive links for (lib/signed-link.ts). */
export const ARCHIVE_LINK_PURPOSE = "session-archive";

/** The first line of an archive. */
export interface ArchiveHeader {
  format: typeof ARCHIVE_FORMAT;
  org_id: string;
  agent_id: string;
  /** The gateway's session id. */
  session_id: string;
  /** Engram's id of the session. */
  session_uuid: string;
  status: "completed" | "abandoned";
  started_at: string;
  ended_at: string | null;
  message_count: number;
}

/** One message line: `created_at` is when Engram received it, `sent_at` the sender's own time. */
export interface ArchivedMessage {
  seq: number;
  role: string;
  content: string;
  created_at: string;
  sent_at?: string;
  metadata?: Record<string, unknown>;
}

/**
 * A gateway session id as one blob-key segment. Session ids allow `:`, keys do not;
 * `=` is allowed in keys and never in session ids, so `:` becomes `=3A` and the
 * mapping is reversible (decodeKeySegment).
 */
export function encodeKeySegment(sessionId: string): string {
  return sessionId.replaceAll(":", "=3A");
}

/** Inverse of encodeKeySegment. */
export function decodeKeySegment(segment: string): string {
  return segment.replaceAll("=3A", ":");
}

/**
 * The object key of a session's archive: `{org}/{agent}/{YYYY}/{MM}/{session}.ndjson.gz`,
 * the year and month of the session's start (UTC).
 */
export function archiveKey(s: {
  orgId: string;
  agentId: string;
  startedAt: string;
  sessionId: string;
}): string {
  const started = new Date(s.startedAt);
  const yyyy = String(started.getUTCFullYear()).padStart(4, "0");
  const mm = String(started.getUTCMonth() + 1).padStart(2, "0");
  return `${s.orgId}/${s.agentId}/${yyyy}/${mm}/${encodeKeySegment(s.sessionId)}.ndjson.gz`;
}

/** A `session_messages` row as an archive line (fields in a fixed order: same rows, same bytes). */
export function toArchivedMessage(r: Record<string, unknown>): ArchivedMessage {
  const m: ArchivedMessage = {
    seq: Number(r.seq),
    role: String(r.role),
    content: String(r.content),
    created_at: toIso(r.created_at) ?? "",
  };
  const sentAt = toIso(r.sent_at);
  if (sentAt !== null) m.sent_at = sentAt;
  if (r.metadata != null) m.metadata = jsonColumn<Record<string, unknown>>(r.metadata);
  return m;
}

/**
 * Parses an archive's NDJSON text.
 * @throws Error when the first line is not an archive header of a known format.
 */
export function parseArchive(text: string): { header: ArchiveHeader; messages: ArchivedMessage[] } {
  const lines = text.split("\n").filter((l) => l.length > 0);
  const header = JSON.parse(lines[0] ?? "null") as ArchiveHeader | null;
  if (header?.format !== ARCHIVE_FORMAT) throw new Error("not a session archive");
  return { header, messages: lines.slice(1).map((l) => JSON.parse(l) as ArchivedMessage) };
}
