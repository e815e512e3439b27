import { toIso } from "../lib/clock.js";
import { jsonColumn } from "../lib/columns.js";
import type { JobRef } from "./ports.js";

/** A job's life: queued → running → succeeded, or → failed (waiting for a retry) → … → dead. */
export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "dead"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A job as the operator routes show it. `last_error` is a content-free label. */
export interface JobView {
  id: string;
  type: string;
  version: number;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  run_at: string;
  last_error: string | null;
  result: Record<string, unknown> | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

/** A job row as the worker claims it. */
export interface JobRow {
  id: string;
  org_id: string;
  type: string;
  version: number;
  payload: unknown;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
}

export const JOB_COLUMNS = `id, org_id, type, version, payload, status, attempts, max_attempts, run_at, last_error,
  result, created_at, updated_at, finished_at`;

/** Maps a `jobs` row (JOB_COLUMNS) to its view; the payload stays internal. */
export function toJobView(r: Record<string, unknown>): JobView {
  return {
    id: String(r.id),
    type: String(r.type),
    version: Number(r.version),
    status: r.status as JobStatus,
    attempts: Number(r.attempts),
    max_attempts: Number(r.max_attempts),
    run_at: toIso(r.run_at) ?? "",
    last_error: r.last_error == null ? null : String(r.last_error),
    result: r.result == null ? null : jsonColumn<Record<string, unknown>>(r.result),
    created_at: toIso(r.created_at) ?? "",
    updated_at: toIso(r.updated_at) ?? "",
    finished_at: toIso(r.finished_at),
  };
}

/** A row as the worker sees it. */
export function toJobRow(r: Record<string, unknown>): JobRow {
  return {
    id: String(r.id),
    org_id: String(r.org_id),
    type: String(r.type),
    version: Number(r.version),
    payload: typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload,
    status: r.status as JobStatus,
    attempts: Number(r.attempts),
    max_attempts: Number(r.max_attempts),
  };
}

/** The columns `jobRefFromRow` reads. */
export const JOB_REF_COLUMNS = "type, version, payload, dedup_key";

/** The dispatchable reference to a stored job (JOB_REF_COLUMNS), as enqueue returned it. */
export function jobRefFromRow(id: string, orgId: string, r: Record<string, unknown>): JobRef {
  return {
    id,
    orgId,
    type: String(r.type),
    version: Number(r.version),
    payload: jsonColumn<Record<string, unknown>>(r.payload),
    key: String(r.dedup_key),
    created: true,
  };
}
