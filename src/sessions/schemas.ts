import { z } from "@hono/zod-openapi";
import { PageQuery, pageOf } from "../http/openapi.js";
import {
  IDEMPOTENCY_KEY_RE,
  MAX_BATCH_MESSAGES,
  MAX_MESSAGE_CHARS,
  SESSION_ID_RE,
  SESSION_STATUSES,
} from "./model.js";

export const SessionParams = z.object({
  agent_id: z.uuid().openapi({ param: { name: "agent_id", in: "path" } }),
  session_id: z
    .string()
    .regex(SESSION_ID_RE, "1–128 characters of A–Z, a–z, 0–9, '.', '_', ':' and '-'")
    .openapi({ param: { name: "session_id", in: "path" } }),
});

export const AgentParams = z.object({
  agent_id: z.uuid().openapi({ param: { name: "agent_id", in: "path" } }),
});

export const MessageInput = z
  .strictObject({
    role: z.enum(["user", "assistant", "system", "tool"]),
    content: z
      .string()
      .max(MAX_MESSAGE_CHARS, `at most ${MAX_MESSAGE_CHARS} characters`)
      .refine((s) => !s.includes("\u0000"), "NUL characters are not allowed"),
    created_at: z.iso.datetime({ offset: true }).optional(),
    metadata: z
      .record(z.string(), z.unknown())
      .refine((m) => JSON.stringify(m).length <= 16_384, "at most 16 KiB as JSON")
      .optional(),
  })
  .openapi("SessionMessageInput");

export const AppendTurnsBody = z
  .strictObject({
    messages: z.array(MessageInput).min(1).max(MAX_BATCH_MESSAGES),
    idempotency_key: z
      .string()
      .regex(IDEMPOTENCY_KEY_RE, "1–120 printable ASCII characters, no spaces")
      .optional(),
  })
  .openapi("AppendTurns");

export const SessionSchema = z
  .object({
    id: z.string().openapi({ description: "The gateway's session id" }),
    session_uuid: z.uuid(),
    agent_id: z.uuid(),
    status: z.enum(SESSION_STATUSES),
    message_count: z.number().int(),
    last_extracted_turn: z.number().int(),
    metadata: z.record(z.string(), z.unknown()),
    started_at: z.string(),
    last_activity_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .openapi("Session");

export const AppendTurnsResultSchema = z
  .object({
    session: SessionSchema,
    appended: z.number().int(),
    first_seq: z.number().int(),
    replayed: z.boolean(),
  })
  .openapi("AppendTurnsResult");

export const CompleteSessionResultSchema = z
  .object({ session: SessionSchema, job_ids: z.array(z.uuid()) })
  .openapi("CompleteSessionResult");

export const MessageSchema = z
  .object({
    seq: z.number().int(),
    role: z.string(),
    content: z.string(),
    created_at: z.string(),
    received_at: z.string(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi("SessionMessage");

export const SessionDetailSchema = SessionSchema.extend({
  messages: z.array(MessageSchema),
  next_after_seq: z.number().int().nullable(),
  messages_source: z.enum(["database", "archive"]).openapi({
    description:
      "`archive` when messages of this page were read from the session's archive (pruned from the database)",
  }),
}).openapi("SessionDetail");

export const GetSessionQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  after_seq: z.coerce.number().int().min(-1).max(2_000_000_000).optional(),
});

export const ListSessionsQuery = PageQuery.extend({
  status: z.enum(SESSION_STATUSES).optional(),
  started_after: z.iso.datetime({ offset: true }).optional(),
  started_before: z.iso.datetime({ offset: true }).optional(),
});

export const SessionPageSchema = pageOf(SessionSchema, "SessionPage");

export const DeleteSessionQuery = z.object({
  with_memories: z.enum(["true", "false"]).default("false"),
});

export const DeleteSessionResultSchema = z
  .object({
    deleted_messages: z.number().int(),
    deleted_memories: z.number().int(),
    deleted_events: z.number().int(),
    deleted_archive: z.boolean(),
  })
  .openapi("DeleteSessionResult");
