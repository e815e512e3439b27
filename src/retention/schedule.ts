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
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      await sweepRetention(deps, policy);
    } catch (err) {
      deps.logger.warn("retention sweep failed", { error: err instanceof Error ? err.name : "unknown" });
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(tick, everySeconds * 1000);
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
