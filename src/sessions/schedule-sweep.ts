import type { SqlClient } from "../db/ports.js";
import type { JobQueue } from "../jobs/ports.js";
import { runEvery } from "../lib/every.js";
import type { Logger } from "../lib/logger.js";
import { sweepIdleSessions } from "./sweep-idle-sessions.js";

/**
 * Node's idle sweeper: sweeps every `everySeconds` (one sweep at a time); the timer
 * never keeps the process alive. Returns the stop function.
 */
export function scheduleSessionSweep(
  deps: { sql: SqlClient; jobs: JobQueue; logger: Logger },
  idleMinutes: number,
  everySeconds: number,
): () => void {
  return runEvery(everySeconds, deps.logger, "session sweep", async () => {
    const r = await sweepIdleSessions(deps, idleMinutes);
    if (r.abandoned > 0) deps.logger.info("idle sessions abandoned", { sessions: r.abandoned, jobs: r.jobs });
  });
}
