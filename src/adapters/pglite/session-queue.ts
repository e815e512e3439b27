import { canceledBeforeStart, type TransactionOptions } from "../../db/ports.js";

export type Lane = "high" | "normal" | "low";

interface Waiting {
  start(): Promise<void>;
  cancel(): void;
  since: number;
  lane: Lane;
  /** An interactive transaction holds the session across messages; one-message work can be pipelined. */
  exclusive: boolean;
}

/** Low-priority work that has waited this long goes first, so it always progresses. */
const LOW_MAX_WAIT_MS = 1000;
/**
 * One-message work sent ahead to the database thread, so its session does not sit
 * idle while this thread is busy before it reads a reply and sends the next.
 */
const PIPELINE_DEPTH = 2;

/**
 * The one database session's queue, kept on this thread: work is sent only when the
 * session can take it, `high` before `normal` before `low` (unless the low one has
 * waited LOW_MAX_WAIT_MS). Work whose caller has given up is dropped without reaching
 * the database, and work with a deadline it could not make — by the recent mean time
 * per transaction times the work ahead of it — is refused at once: under overload a
 * FIFO queue would otherwise make every caller wait out its whole deadline and serve
 * none of them.
 */
export function createSessionQueue(now: () => number = () => performance.now()) {
  const queues: Record<Lane, Waiting[]> = { high: [], normal: [], low: [] };
  const running = new Set<Waiting>();
  // Recent mean time a transaction of each lane holds the session: searches, cheap
  // reads and write-back batches differ several-fold.
  const meanMs: Record<Lane, number> = { high: 1, normal: 1, low: 1 };
  const observe = (lane: Lane, ms: number) => {
    // Outliers (a cold page cache, a checkpoint) are clipped: one slow transaction
    // must not make the queue refuse everything, which would leave it no samples.
    meanMs[lane] += 0.1 * (Math.min(ms, 4 * meanMs[lane] + 1) - meanMs[lane]);
  };
  const nextLane = (): Lane | null => {
    const low = queues.low[0];
    if (low && now() - low.since >= LOW_MAX_WAIT_MS) return "low";
    return (["high", "normal", "low"] as const).find((l) => queues[l].length > 0) ?? null;
  };
  const pump = () => {
    for (;;) {
      const lane = nextLane();
      const next = lane && queues[lane][0];
      if (!lane || !next || running.size >= PIPELINE_DEPTH) return;
      // Interactive transactions run alone; write-back only starts on an idle session,
      // so it never sits in front of a search that arrives a moment later.
      if (running.size > 0 && (next.exclusive || lane === "low" || [...running].some((w) => w.exclusive))) {
        return;
      }
      queues[lane].shift();
      running.add(next);
      const t0 = now();
      next.start().finally(() => {
        // Pipelined work is timed on the database thread (`observe`); this would count the queue too.
        if (next.exclusive) observe(lane, now() - t0);
        running.delete(next);
        pump();
      });
    }
  };
  /** Expected time before work joining `lane` now would start (work in flight counts half). */
  const waitMs = (lane: Lane) => {
    let ms = 0;
    for (const w of running) ms += meanMs[w.lane] / 2;
    ms += queues.high.length * meanMs.high;
    if (lane !== "high") ms += queues.normal.length * meanMs.normal;
    if (lane === "low") return ms + queues.low.length * meanMs.low;
    // A write-back batch that has waited its limit goes next, whatever the lane.
    const low = queues.low[0];
    return low && now() - low.since >= LOW_MAX_WAIT_MS ? ms + meanMs.low : ms;
  };
  return {
    run<T>(work: () => Promise<T>, options: TransactionOptions = {}, pipelined = false): Promise<T> {
      const { signal, deadline, priority = "normal" } = options;
      if (signal?.aborted) return Promise.reject(canceledBeforeStart());
      if (deadline !== undefined && now() + waitMs(priority) + meanMs[priority] > deadline) {
        return Promise.reject(canceledBeforeStart("it would not finish before its deadline"));
      }
      return new Promise<T>((resolve, reject) => {
        const queue = queues[priority];
        const waiting: Waiting = {
          since: now(),
          lane: priority,
          exclusive: !pipelined,
          start: () => {
            signal?.removeEventListener("abort", waiting.cancel);
            return work().then(resolve, reject);
          },
          cancel: () => {
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
    /** Time one piece of pipelined work held the session, as the database thread measured it. */
    observe,
  };
}
