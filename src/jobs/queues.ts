import type { SqlExecutor } from "../db/ports.js";
import type { Logger } from "../lib/logger.js";
import { insertJobs } from "./enqueue.js";
import type { JobMessage } from "./messages.js";
import type { JobPublisher, JobQueue, JobRef } from "./ports.js";
import type { JobWorker } from "./worker.js";

/** Shared by every transport: the ledger row is written the same way (J1, J2). */
function enqueueWith(maxAttempts: number) {
  return (tx: SqlExecutor, orgId: string, messages: readonly JobMessage[]) =>
    insertJobs(tx, orgId, messages, maxAttempts);
}

/** The embedded default (Node): the in-process worker is woken after the commit. */
export function createEmbeddedJobQueue(worker: JobWorker, maxAttempts: number): JobQueue {
  return {
    kind: "embedded",
    enqueue: enqueueWith(maxAttempts),
    async dispatch(jobs) {
      if (jobs.some((j) => j.created)) worker.wake();
    },
  };
}

/**
 * Workers without QStash: new jobs are run after the response is sent
 * (`waitUntil`), and the cron runs whatever is still due (retries, leftovers).
 */
export function createDeferredJobQueue(
  worker: JobWorker,
  maxAttempts: number,
  defer: (task: Promise<unknown>) => void,
): JobQueue {
  return {
    kind: "deferred",
    enqueue: enqueueWith(maxAttempts),
    async dispatch(jobs) {
      const fresh = jobs.filter((j) => j.created).length;
      if (fresh > 0) defer(worker.drain(fresh));
    },
  };
}

/**
 * QStash: each new job is published to the delivery webhook with its key as the
 * deduplication id. A publish that fails leaves the job queued (J3); the cron runs it.
 */
export function createPublishingJobQueue(
  publisher: JobPublisher,
  maxAttempts: number,
  logger: Logger,
): JobQueue {
  return {
    kind: "qstash",
    enqueue: enqueueWith(maxAttempts),
    async dispatch(jobs: readonly JobRef[]) {
      await Promise.all(
        jobs
          .filter((j) => j.created)
          .map((j) =>
            publisher.publish(j).catch((err: unknown) => {
              logger.warn("job publish failed", {
                job_id: j.id,
                error: err instanceof Error ? err.name : "unknown",
              });
            }),
          ),
      );
    },
  };
}
