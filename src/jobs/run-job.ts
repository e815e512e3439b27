import type { SqlClient } from "../db/ports.js";
import { isAppError } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { JobHandler, JobHandlers } from "./handlers.js";
import { parseJobMessage } from "./messages.js";
import type { JobRow } from "./model.js";
import { completeJob, failJob } from "./settle.js";

export interface RunJobDeps {
  sql: SqlClient;
  logger: Logger;
  handlers: JobHandlers;
  retryDelaysMs: readonly number[];
}

/** How one run ended; `lost` means another worker holds the job now. */
export type RunOutcome = "succeeded" | "retry" | "dead" | "lost";

/** A content-free label for a failure: the error code, or the error's class. */
function errorLabel(err: unknown): string {
  if (isAppError(err)) return err.code;
  if (err instanceof Error && /^[A-Za-z]{1,40}$/.test(err.name)) return err.name;
  return "Error";
}

/** Transport faults, timeouts, 429 and 5xx are worth another try; nothing else is. */
function isRetryable(err: unknown): boolean {
  if (isAppError(err)) return err.retryable;
  // Driver errors that reach here (connection lost, timeout) are transient by nature;
  // a programming error is not helped by a retry, but is bounded by max_attempts.
  return true;
}

/**
 * Runs a claimed job: validates its message (invalid → dead letters at once, never
 * retried), calls its handler, and records the outcome fenced by the claim.
 */
export async function runJob(deps: RunJobDeps, job: JobRow): Promise<RunOutcome> {
  const message = parseJobMessage(job.type, job.version, job.payload);
  if (!message.ok) {
    deps.logger.warn("job message invalid", { job_id: job.id, type: job.type, reason: message.reason });
    return (
      (await failJob(deps.sql, job, `invalid_message:${message.reason}`, false, deps.retryDelaysMs)) ?? "lost"
    );
  }
  const handler = deps.handlers[message.type] as JobHandler;
  const started = performance.now();
  try {
    const result = await handler(
      { jobId: job.id, orgId: job.org_id, attempt: job.attempts },
      message.payload as never,
    );
    const ok = await completeJob(deps.sql, job, result);
    deps.logger.info("job succeeded", {
      job_id: job.id,
      type: job.type,
      attempt: job.attempts,
      ms: Math.round(performance.now() - started),
    });
    return ok ? "succeeded" : "lost";
  } catch (err) {
    const label = errorLabel(err);
    const outcome = await failJob(deps.sql, job, label, isRetryable(err), deps.retryDelaysMs);
    deps.logger.warn("job failed", {
      job_id: job.id,
      type: job.type,
      attempt: job.attempts,
      error: label,
      outcome,
    });
    return outcome ?? "lost";
  }
}
