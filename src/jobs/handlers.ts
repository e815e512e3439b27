import type { JobPayload, JobType } from "./messages.js";

/** What a handler knows about the run it is part of. */
export interface JobRun {
  jobId: string;
  orgId: string;
  /** 1 on the first run; a handler never relies on it for correctness (J4). */
  attempt: number;
}

/**
 * Runs one job type. Must be idempotent (J4): keyed side effects, upserts. Resolves
 * a small content-free result (counts) stored on the job; rejects with an AppError
 * whose `retryable` decides between a retry and the dead letters.
 */
export type JobHandler<T extends JobType = JobType> = (
  run: JobRun,
  payload: JobPayload<T>,
) => Promise<Record<string, unknown>>;

/** One handler per job type. */
export type JobHandlers = { [T in JobType]: JobHandler<T> };
