import { toIso } from "../lib/clock.js";
import { jsonColumn } from "../lib/columns.js";

/** Limits of session ingestion (sessions-jobs-archives.md, "Session ingestion"). */
export const MAX_MESSAGE_CHARS = 32_000;
export const MAX_BATCH_MESSAGES = 100;
/** The gateway's session id: 1–128 chars of `[A-Za-z0-9._:-]`, unique per agent. */
export const SESSION_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;
/** A client's idempotency key for an append: 1–120 printable ASCII characters. */
export const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,120}$/;

export type SessionStatus = "active" | "completed" | "abandoned";
export const SESSION_STATUSES = ["active", "completed", "abandoned"] as const;

/** A session as the API shows it; `id` is the gateway's id, `session_uuid` Engram's. */
export interface SessionView {
  id: string;
  session_uuid: string;
  agent_id: string;
  status: SessionStatus;
  message_count: number;
  last_extracted_turn: number;
  metadata: Record<string, unknown>;
  started_at: string;
  last_activity_at: string;
  completed_at: string | null;
}

export const SESSION_COLUMNS =
  "id, external_id, agent_id, status, turn_count, last_extracted_turn, metadata, created_at, last_activity_at, completed_at, archive_key";

/** Maps a `sessions` row (SESSION_COLUMNS) to its view. */
export function toSessionView(r: Record<string, unknown>): SessionView {
  return {
    id: String(r.external_id),
    session_uuid: String(r.id),
    agent_id: String(r.agent_id),
    status: r.status as SessionStatus,
    message_count: Number(r.turn_count),
    last_extracted_turn: Number(r.last_extracted_turn),
    metadata: jsonColumn<Record<string, unknown>>(r.metadata),
    started_at: toIso(r.created_at) ?? "",
    last_activity_at: toIso(r.last_activity_at) ?? "",
    completed_at: toIso(r.completed_at),
  };
}

/** One stored message as the API shows it. */
export interface MessageView {
  seq: number;
  role: string;
  content: string;
  /** The sender's time when it gave one, else when Engram received the message. */
  created_at: string;
  received_at: string;
  metadata: Record<string, unknown> | null;
}

/** Maps a `session_messages` row to its view. */
export function toMessageView(r: Record<string, unknown>): MessageView {
  const received = toIso(r.created_at) ?? "";
  return {
    seq: Number(r.seq),
    role: String(r.role),
    content: String(r.content),
    created_at: toIso(r.sent_at) ?? received,
    received_at: received,
    metadata: r.metadata == null ? null : jsonColumn<Record<string, unknown>>(r.metadata),
  };
}
