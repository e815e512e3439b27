import type { Logger } from "../lib/logger.js";
import { claimDueJobs } from "./claim.js";
import type { RunJobDeps, RunOutcome } from "./run-job.js";
import { runJob } from "./run-job.js";

export interface JobWorkerOptions {
  /** Jobs run at once by this worker. */
  concurrency: number;
  leaseSeconds: number;
  /** Longest sleep between polls when nothing woke the worker. */
  pollMs: number;
}

/** The in-process worker of the embedded default (Node) and of Workers' cron. */
export interface JobWorker {
  /** Runs due jobs now instead of at the next poll (after an enqueue commits). */
  wake(): void;
  /** Claims and runs due jobs until none are left or `limit` ran; the cron's entry. */
  drain(limit?: number): Promise<Record<RunOutcome, number>>;
  /** Starts polling (Node). */
  start(): void;
  /** Stops polling and waits for the jobs in hand. */
  stop(): Promise<void>;
}

/**
 * A polling worker over the jobs table: claims due jobs in batches of `concurrency`
 * (SKIP LOCKED, so several processes share the table), runs them, and sleeps until
 * woken or `pollMs` passes. A claim or run failure (the database away) is logged and
 * retried at the next poll; jobs it held come back when their lease runs out.
 */
export function createJobWorker(deps: RunJobDeps & { logger: Logger }, o: JobWorkerOptions): JobWorker {
  let running = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let loop: Promise<void> | undefined;
  let woken = false;
  let wakeUp: (() => void) | undefined;

  const drain = async (limit = Number.POSITIVE_INFINITY) => {
    const counts: Record<RunOutcome, number> = { succeeded: 0, retry: 0, dead: 0, lost: 0 };
    let ran = 0;
    while (ran < limit) {
      const batch = await claimDueJobs(deps.sql, Math.min(o.concurrency, limit - ran), o.leaseSeconds);
      if (batch.length === 0) break;
      const outcomes = await Promise.all(batch.map((job) => runJob(deps, job)));
      for (const outcome of outcomes) counts[outcome] += 1;
      ran += batch.length;
    }
    return counts;
  };

  const sleep = () =>
    new Promise<void>((resolve) => {
      if (woken || !running) return resolve();
      wakeUp = resolve;
      timer = setTimeout(resolve, o.pollMs);
      (timer as { unref?: () => void }).unref?.();
    }).finally(() => {
      clearTimeout(timer);
      wakeUp = undefined;
    });

  const run = async () => {
    while (running) {
      woken = false;
      try {
        await drain();
      } catch (err) {
        deps.logger.warn("job poll failed", { error: err instanceof Error ? err.name : "unknown" });
      }
      await sleep();
    }
  };

  return {
    wake() {
      woken = true;
      wakeUp?.();
    },
    drain,
    start() {
      if (running || o.concurrency === 0) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
    },
  };
}
