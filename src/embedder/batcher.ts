import { AppError } from "../lib/errors.js";

export interface BatcherOptions {
  /** At most this many texts per model call (64). */
  maxBatch: number;
  /** The longest a text waits for a busy model before another call starts (50 ms). */
  flushMs: number;
  /** Texts accepted and not yet answered; beyond it callers get RESOURCE_EXHAUSTED (429). */
  maxQueue: number;
  /** Model calls allowed at once (2): the second only when the first overruns flushMs. */
  maxConcurrent?: number;
}

type Pending = { text: string; resolve: (v: number[]) => void; reject: (e: unknown) => void };

/**
 * Adaptive micro-batching. An idle model takes whatever has arrived in the current
 * turn of the event loop at once, so a lone request pays no batching delay; while a
 * call runs, new texts gather into the next batch (up to maxBatch), which is where a
 * model backend gets its throughput. A text never waits more than flushMs for a busy
 * model before a second call starts. The bound on accepted texts sheds load (429)
 * instead of letting latency grow without limit.
 */
export function createBatcher(run: (texts: string[]) => Promise<number[][]>, o: BatcherOptions) {
  const maxConcurrent = o.maxConcurrent ?? 2;
  let queue: Pending[] = [];
  let outstanding = 0;
  let inFlight = 0;
  let scheduled = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const dispatch = () => {
    const batch = queue.slice(0, o.maxBatch);
    queue = queue.slice(o.maxBatch);
    inFlight++;
    void (async () => {
      try {
        const vectors = await run(batch.map((p) => p.text));
        for (const [i, p] of batch.entries()) p.resolve(vectors[i] ?? []);
      } catch (err) {
        for (const p of batch) p.reject(err);
      } finally {
        outstanding -= batch.length;
        inFlight--;
        pump();
      }
    })();
  };

  function pump(): void {
    if (queue.length === 0) {
      if (timer) clearTimeout(timer);
      timer = null;
      return;
    }
    if (inFlight === 0) {
      dispatch();
      if (queue.length > 0) pump();
      return;
    }
    if (queue.length >= o.maxBatch && inFlight < maxConcurrent) {
      dispatch();
      pump();
      return;
    }
    // The model is busy: wait for it, but no longer than flushMs.
    timer ??= setTimeout(() => {
      timer = null;
      if (queue.length > 0 && inFlight < maxConcurrent) dispatch();
      pump();
    }, o.flushMs);
  }

  return {
    /** Queues texts; resolves with their vectors in order. */
    submit(texts: string[]): Promise<number[][]> {
      if (outstanding + texts.length > o.maxQueue) {
        return Promise.reject(
          new AppError("RESOURCE_EXHAUSTED", "embedding queue is full", { retryAfter: 1 }),
        );
      }
      outstanding += texts.length;
      const promises = texts.map(
        (text) => new Promise<number[]>((resolve, reject) => queue.push({ text, resolve, reject })),
      );
      // Let everything that arrives in this turn of the event loop join one batch.
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          pump();
        });
      }
      return Promise.all(promises);
    },
    /** Texts accepted and not yet answered. */
    get outstanding() {
      return outstanding;
    },
  };
}
