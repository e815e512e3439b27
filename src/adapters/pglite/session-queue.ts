import { canceledBeforeStart, type TransactionOptions } from "../../db/ports.js";

export type Lane = "high" | "normal" | "low";

interface Waiting {
  start(): Promise<void>;
  cancel(): void;
  since: number;
  lane: Lane;
  /** Let through to measure a lane whose estimate refused everything (PROBE_AFTER_MS). */
  probe: boolean;
}

/** Low-priority work that has waited this long goes first, so it always progresses. */
const LOW_MAX_WAIT_MS = 1000;

/**
 * A lane whose estimate has refused everything for this long lets one transaction
 * through (if it could start in time) to measure again.
 */
export const PROBE_AFTER_MS = 200;

/**
 * The one database session's queue, kept on this thread: one transaction at a time
 * is sent, `high` before `normal` before `low` (unless the low one has waited
 * LOW_MAX_WAIT_MS). Work whose caller has given up is dropped without reaching the
 * database, and work with a deadline it could not make — by the recent mean time per
 * transaction of each lane, times the work ahead of it — is refused at once: under
 * overload a FIFO queue would otherwise make every caller wait out its whole deadline
 * and serve none of them. The means come only from work that ran, so a lane whose
 * mean rose past what any deadline allows (a run of slow searches while the CPU was
 * contended) would refuse everything for good; after PROBE_AFTER_MS without a
 * finished transaction it lets one through, whose time updates the mean.
 */
export function createSessionQueue(now: () => number = () => performance.now()) {
  const queues: Record<Lane, Waiting[]> = { high: [], normal: [], low: [] };
  let running: Waiting | null = null;
  // Recent mean time a transaction of each lane holds the session, from send to
  // reply: searches, cheap reads and write-back batches differ several-fold.
  const meanMs: Record<Lane, number> = { high: 1, normal: 1, low: 1 };
  // When each lane last finished a transaction, and whether its probe is out.
  const measuredAt: Record<Lane, number> = { high: now(), normal: now(), low: now() };
  const probing: Record<Lane, boolean> = { high: false, normal: false, low: false };
  const observe = (lane: Lane, ms: number) => {
    measuredAt[lane] = now();
    // Outliers (a cold page cache, a checkpoint) are clipped: one slow transaction
    // must not make the queue refuse everything, which would leave it no samples.
    meanMs[lane] += 0.1 * (Math.min(ms, 4 * meanMs[lane] + 1) - meanMs[lane]);
  };
  const pump = () => {
    if (running) return;
    const low = queues.low[0];
    const lane: Lane | undefined =
      low && now() - low.since >= LOW_MAX_WAIT_MS
        ? "low"
        : (["high", "normal", "low"] as const).find((l) => queues[l].length > 0);
    const next = lane && queues[lane].shift();
    if (!next) return;
    running = next;
    const t0 = now();
    next.start().finally(() => {
      observe(next.lane, now() - t0);
      if (next.probe) probing[next.lane] = false;
      running = null;
      pump();
    });
  };
  /** Expected time before work joining `lane` now would start (the running one counts half). */
  const waitMs = (lane: Lane) => {
    let ms = running ? meanMs[running.lane] / 2 : 0;
    ms += queues.high.length * meanMs.high;
    if (lane !== "high") ms += queues.normal.length * meanMs.normal;
    if (lane === "low") return ms + queues.low.length * meanMs.low;
    // A write-back batch that has waited its limit goes next, whatever the lane.
    const low = queues.low[0];
    return low && now() - low.since >= LOW_MAX_WAIT_MS ? ms + meanMs.low : ms;
  };
  /** "estimate": the lane's mean says it finishes in time; "probe": it may measure again. */
  const admission = ({ deadline, priority = "normal" }: TransactionOptions) => {
    if (deadline === undefined) return "estimate";
    const start = now() + waitMs(priority);
    if (start + meanMs[priority] <= deadline) return "estimate";
    const stale = !probing[priority] && now() - measuredAt[priority] >= PROBE_AFTER_MS;
    return stale && start < deadline ? "probe" : null;
  };
  return {
    /** Whether `run` would take work with these options now (not refuse it as late). */
    admits: (options: TransactionOptions) => !options.signal?.aborted && admission(options) !== null,
    run<T>(work: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
      const { signal, priority = "normal" } = options;
      if (signal?.aborted) return Promise.reject(canceledBeforeStart());
      const admitted = admission(options);
      if (!admitted) return Promise.reject(canceledBeforeStart("it would not finish before its deadline"));
      const probe = admitted === "probe";
      if (probe) probing[priority] = true;
      return new Promise<T>((resolve, reject) => {
        const queue = queues[priority];
        const waiting: Waiting = {
          since: now(),
          lane: priority,
          probe,
          start: () => {
            signal?.removeEventListener("abort", waiting.cancel);
            return work().then(resolve, reject);
          },
          cancel: () => {
            if (probe) probing[priority] = false;
            const i = queue.indexOf(waiting);
            if (i >= 0) queue.splice(i, 1);
            reject(canceledBeforeStart());
          },
        };
        signal?.addEventListener("abort", waiting.cancel, { once: true });
        queue.push(waiting);
        pump();
      });
    },
    /** Feeds a transaction's time into its lane's mean (exposed for tests). */
    observe,
  };
}
