import type { JobMessage } from "../jobs/messages.js";
import { toIso } from "../lib/clock.js";
import { jsonColumn } from "../lib/columns.js";

/** What a purge erases: a whole org, or one agent of it. */
export type PurgeScope = "org" | "agent";

export const PURGE_STATUSES = ["queued", "running", "succeeded", "failed"] as const;
/** `failed` means the last run failed; the job retries it unless it died (ask again to resume). */
export type PurgeStatus = (typeof PURGE_STATUSES)[number];

/** Where a run is: rows, then objects, then keys, then the final check and certificate. */
export type PurgePhase = "queued" | "rows" | "objects" | "keys" | "verify" | "done";

/** What was erased: rows per table, objects in the blob store, keys in the key-value store. */
export interface PurgeCounts {
  rows: Record<string, number>;
  objects: number;
  keys: number;
}

/** Counts so far, updated after every batch, plus the phase and the batches run. */
export interface PurgeProgress extends PurgeCounts {
  phase: PurgePhase;
  batches: number;
}

/** The signed deletion record: ids, times and counts only, never org data. */
export interface PurgeCertificate {
  purge_id: string;
  scope: PurgeScope;
  org_id: string;
  agent_id?: string;
  /** The id of the token that asked. */
  requester: string;
  requested_at: string;
  started_at: string;
  finished_at: string;
  counts: PurgeCounts;
}

/** A purge as the API shows it. */
export interface PurgeView {
  id: string;
  scope: PurgeScope;
  org_id: string;
  agent_id: string | null;
  status: PurgeStatus;
  requester: string;
  attempts: number;
  last_error: string | null;
  progress: PurgeProgress;
  certificate: PurgeCertificate | null;
  signature: string | null;
  requested_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export const PURGE_COLUMNS = `id, scope, org_id, agent_id, status, requester, job_id, attempts, last_error, progress,
  certificate, signature, requested_at, started_at, finished_at`;

/** The progress a new purge starts with. */
export function emptyProgress(): PurgeProgress {
  return { phase: "queued", rows: {}, objects: 0, keys: 0, batches: 0 };
}

/** Maps a `purges` row (PURGE_COLUMNS) to its view. */
export function toPurgeView(r: Record<string, unknown>): PurgeView {
  return {
    id: String(r.id),
    scope: r.scope as PurgeScope,
    org_id: String(r.org_id),
    agent_id: r.agent_id == null ? null : String(r.agent_id),
    status: r.status as PurgeStatus,
    requester: String(r.requester),
    attempts: Number(r.attempts),
    last_error: r.last_error == null ? null : String(r.last_error),
    progress: { ...emptyProgress(), ...jsonColumn<Partial<PurgeProgress>>(r.progress) },
    certificate: r.certificate == null ? null : jsonColumn<PurgeCertificate>(r.certificate),
    signature: r.signature == null ? null : String(r.signature),
    requested_at: toIso(r.requested_at) ?? "",
    started_at: toIso(r.started_at),
    finished_at: toIso(r.finished_at),
  };
}

/**
 * The job that runs a purge. A purge asked for again after its job died gets a new
 * key (`run` counts the runs started so far), so the ledger queues it once more.
 */
export function purgeJob(purgeId: string, run = 0): JobMessage<"org.purge"> {
  return {
    type: "org.purge",
    v: 1,
    payload: { purge_id: purgeId },
    key: run === 0 ? `org.purge:${purgeId}` : `org.purge:${purgeId}:${run}`,
  };
}

/** What a purge request answers: the purge's id and status (202). */
export interface PurgeRef {
  id: string;
  status: PurgeStatus;
}
