import type { SqlClient } from "../db/ports.js";
import type { JobQueue } from "../jobs/ports.js";
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
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const r = await sweepIdleSessions(deps, idleMinutes);
      if (r.abandoned > 0)
        deps.logger.info("idle sessions abandoned", { sessions: r.abandoned, jobs: r.jobs });
    } catch (err) {
      deps.logger.warn("session sweep failed", { error: err instanceof Error ? err.name : "unknown" });
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(tick, everySeconds * 1000);
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
