import type { Logger } from "./logger.js";

/**
 * Runs `task` every `everySeconds` on Node, one run at a time (a tick that finds the
 * previous run still going is skipped). A failure is logged as `what` with the error's
 * class only, and the next tick tries again; the timer never keeps the process alive.
 * Returns the stop function.
 */
export function runEvery(
  everySeconds: number,
  logger: Logger,
  what: string,
  task: () => Promise<void>,
): () => void {
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      await task();
    } catch (err) {
      logger.warn(`${what} failed`, { error: err instanceof Error ? err.name : "unknown" });
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(tick, everySeconds * 1000);
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
