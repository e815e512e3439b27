import { runEvery } from "../lib/every.js";
import type { Logger } from "../lib/logger.js";
import type { RetentionPolicy } from "./model.js";
import type { RetentionDeps } from "./retention-steps.js";
import { sweepRetention } from "./sweep-retention.js";

/**
 * Node's retention sweeper: sweeps every `everySeconds` (RETENTION_SWEEP_SECONDS), one
 * sweep at a time; the timer never keeps the process alive. Returns the stop function.
 * (Workers run the sweep from the cron instead: see `isRetentionRun`.)
 */
export function scheduleRetentionSweep(
  deps: RetentionDeps & { logger: Logger },
  policy: RetentionPolicy,
  everySeconds: number,
): () => void {
  return runEvery(everySeconds, deps.logger, "retention sweep", async () => {
    await sweepRetention(deps, policy);
  });
}
