import { z } from "zod";

const Uuid = z.string().uuid();

/**
 * The typed, versioned job messages (sessions-jobs-archives.md, "Jobs"). A message is
 * `{type, v, payload}`; the payload schema is chosen by type and version, so a
 * handler only ever sees a payload that passed it. Add a version instead of changing
 * one: a message already queued keeps the shape it was written with.
 */
export const JOB_PAYLOADS = {
  "memory.extract": {
    1: z
      .object({
        agent_id: Uuid,
        /** `sessions.id` (internal), not the gateway's session id. */
        session_id: Uuid,
      })
      .strict(),
  },
  /** Writes a finished session's transcript to object storage (ADR-0041). */
  "session.archive": {
    1: z
      .object({
        agent_id: Uuid,
        /** `sessions.id` (internal). */
        session_id: Uuid,
      })
      .strict(),
  },
  /** Erases an org, or one agent of it, and writes the deletion certificate (ADR-0045). */
  "org.purge": {
    1: z
      .object({
        /** `purges.id`: the purge's scope, requester and progress live there. */
        purge_id: Uuid,
      })
      .strict(),
  },
} as const;

export type JobType = keyof typeof JOB_PAYLOADS;
export const JOB_TYPES = Object.keys(JOB_PAYLOADS) as JobType[];

/** The payload of a job type at version 1. */
export type JobPayload<T extends JobType> = z.infer<(typeof JOB_PAYLOADS)[T][1]>;

/** A message to enqueue. `key` is its idempotency key: the same key again is the same job. */
export interface JobMessage<T extends JobType = JobType> {
  type: T;
  v: 1;
  payload: JobPayload<T>;
  key: string;
}

/** Why a message cannot be run at all (never retried: it goes to the dead letters). */
export type InvalidMessage = { ok: false; reason: "unknown_type" | "unknown_version" | "invalid_payload" };

/** Checks a stored or delivered message against its type's schema. */
export function parseJobMessage(
  type: string,
  version: number,
  payload: unknown,
): { ok: true; type: JobType; payload: unknown } | InvalidMessage {
  if (!Object.hasOwn(JOB_PAYLOADS, type)) return { ok: false, reason: "unknown_type" };
  const versions = JOB_PAYLOADS[type as JobType] as Record<number, z.ZodType>;
  const schema = versions[version];
  if (!schema) return { ok: false, reason: "unknown_version" };
  const parsed = schema.safeParse(payload);
  if (!parsed.success) return { ok: false, reason: "invalid_payload" };
  return { ok: true, type: type as JobType, payload: parsed.data };
}
