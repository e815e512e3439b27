import { createQstashPublisher } from "./adapters/qstash/publisher.js";
import { createQstashVerifier } from "./adapters/qstash/verifier.js";
import { archiveSession } from "./archives/archive-session.js";
import type { Config } from "./env.js";
import { extractSession } from "./extraction/extract-session.js";
import type { JobHandlers } from "./jobs/handlers.js";
import type { JobQueue } from "./jobs/ports.js";
import { createDeferredJobQueue, createEmbeddedJobQueue, createPublishingJobQueue } from "./jobs/queues.js";
import { DELIVERY_PATH } from "./jobs/routes.js";
import { createJobWorker, type JobWorker } from "./jobs/worker.js";
import { runPurge } from "./purges/run-purge.js";
import type { Services } from "./services.js";

/** What the job services are built from: every other service. */
type Base = Omit<Services, "jobs" | "jobRunner" | "jobDelivery">;

/** The handler of each job type, over the services. */
export function jobHandlers(s: Base): JobHandlers {
  return {
    "memory.extract": async (run, payload) => ({
      ...(await extractSession({ ...s, config: s.memoryConfig }, run, payload)),
    }),
    "session.archive": async (run, payload) => ({ ...(await archiveSession(s, run, payload)) }),
    "org.purge": async (run, payload) => ({ ...(await runPurge(s, run, payload)) }),
  };
}

/** The job services of a runtime, and the worker that runs the ledger's due jobs. */
export interface JobServices {
  jobs: JobQueue;
  jobRunner: Services["jobRunner"];
  jobDelivery?: Services["jobDelivery"];
  worker: JobWorker;
}

/**
 * Chooses the job transport (ADR-0044): QStash when QSTASH_TOKEN is set (published
 * to PUBLIC_URL's delivery webhook), otherwise the ledger run in process — by a
 * polling worker on Node (`embedded`), by waitUntil and the cron on Workers (`deferred`).
 */
export function createJobServices(
  base: Base,
  runtime: "node" | "workers",
  fetchFn?: typeof fetch,
): JobServices {
  const config: Config = base.config;
  const retryDelaysMs = config.JOB_RETRY_DELAYS_MS;
  const maxAttempts = retryDelaysMs.length + 1;
  const jobRunner: Services["jobRunner"] = {
    sql: base.sql,
    logger: base.logger,
    handlers: jobHandlers(base),
    retryDelaysMs,
    leaseSeconds: config.JOB_LEASE_SECONDS,
  };
  const worker = createJobWorker(jobRunner, {
    concurrency: runtime === "node" ? config.JOB_CONCURRENCY : Math.max(1, config.JOB_CONCURRENCY),
    leaseSeconds: config.JOB_LEASE_SECONDS,
    pollMs: 1_000,
  });
  if (
    config.QSTASH_TOKEN &&
    config.QSTASH_CURRENT_SIGNING_KEY &&
    config.QSTASH_NEXT_SIGNING_KEY &&
    config.PUBLIC_URL
  ) {
    const url = `${config.PUBLIC_URL}${DELIVERY_PATH}`;
    const publisher = createQstashPublisher({
      token: config.QSTASH_TOKEN,
      ...(config.QSTASH_URL ? { baseUrl: config.QSTASH_URL } : {}),
      destination: url,
      retryDelaysMs,
      ...(fetchFn ? { fetch: fetchFn } : {}),
    });
    return {
      jobs: createPublishingJobQueue(publisher, maxAttempts, base.logger),
      jobRunner,
      jobDelivery: {
        verifier: createQstashVerifier({
          currentSigningKey: config.QSTASH_CURRENT_SIGNING_KEY,
          nextSigningKey: config.QSTASH_NEXT_SIGNING_KEY,
        }),
        url,
      },
      worker,
    };
  }
  const jobs =
    runtime === "node"
      ? createEmbeddedJobQueue(worker, maxAttempts)
      : createDeferredJobQueue(worker, maxAttempts, (task) => base.defer(task));
  return { jobs, jobRunner, worker };
}
