import type { SqlExecutor } from "../db/ports.js";
import type { JobMessage } from "./messages.js";

/** A job as enqueued: enough to dispatch it. */
export interface JobRef {
  id: string;
  orgId: string;
  type: string;
  version: number;
  /** The message's payload, as validated when the job runs. */
  payload: unknown;
  /** The idempotency key (QStash's deduplication id). */
  key: string;
  /** False when the key was already queued: the first job is returned, nothing new added. */
  created: boolean;
}

/**
 * Where background work goes (ADR-0044). Every transport keeps the same ledger, the
 * `jobs` table; they differ in who runs a job and when.
 * J1: enqueue() writes the jobs in the caller's transaction, so they are committed
 *     with the change that caused them, or not at all: a crash loses nothing.
 * J2: the same key again returns the first job (`created: false`) and adds nothing.
 * J3: dispatch() runs after the commit and never throws: a job it failed to hand over
 *     stays queued and the sweep (cron or poll) runs it later.
 * J4: a job runs at least once; handlers are idempotent, so running it twice has the
 *     effect of running it once.
 */
export interface JobQueue {
  /** `embedded` (in-process worker), `deferred` (Workers: waitUntil and cron) or `qstash`. */
  readonly kind: "embedded" | "deferred" | "qstash";
  enqueue(tx: SqlExecutor, orgId: string, messages: readonly JobMessage[]): Promise<JobRef[]>;
  dispatch(jobs: readonly JobRef[]): Promise<void>;
}

/**
 * Checks that a delivery really comes from the job transport (QStash's
 * `Upstash-Signature`: a JWT over the body, current or next signing key).
 * JV1: resolves false — never throws — for a missing, forged, expired or
 *      body-mismatched signature.
 */
export interface JobDeliveryVerifier {
  verify(input: { signature: string | undefined; body: string; url: string }): Promise<boolean>;
}

/** What a transport that publishes needs: send one job to the delivery webhook. */
export interface JobPublisher {
  /** @throws UNAVAILABLE when the transport cannot be reached (the job stays queued). */
  publish(job: JobRef): Promise<void>;
}
