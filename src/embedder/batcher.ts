import { AppError } from "../lib/errors.js";

export interface BatcherOptions {
  /** Flush as soon as this many texts wait (64). */
  maxBatch: number;
  /** Or this long after the first text arrived (50 ms). */
  flushMs: number;
  /** Texts allowed to wait at once; beyond it, callers get RESOURCE_EXHAUSTED (429). */
  maxQueue: number;
}

type Pending = { text: string; resolve: (v: number[]) => void; reject: (e: unknown) => void };

/**
 * Micro-batching: requests arriving within a few milliseconds share one model call,
 * which is where a model backend gets its throughput. The queue is bounded so an
 * overloaded service sheds load (429) instead of growing latency without limit.
 */
export function createBatcher(run: (texts: string[]) => Promise<number[][]>, o: BatcherOptions) {
  let queue: Pending[] = [];
  // Texts accepted and not yet answered (waiting or in a model call): what the bound limits.
  let outstanding = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running = Promise.resolve();

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    while (queue.length > 0) {
      const batch = queue.slice(0, o.maxBatch);
      queue = queue.slice(o.maxBatch);
      // Model calls run one after another; the queue keeps filling meanwhile.
      running = running.then(async () => {
        try {
          const vectors = await run(batch.map((p) => p.text));
          for (const [i, p] of batch.entries()) p.resolve(vectors[i] ?? []);
        } catch (err) {
          for (const p of batch) p.reject(err);
        } finally {
          outstanding -= batch.length;
        }
      });
    }
  };

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
      if (queue.length >= o.maxBatch) flush();
      else timer ??= setTimeout(flush, o.flushMs);
      return Promise.all(promises);
    },
    /** Texts accepted and not yet answered. */
    get outstanding() {
      return outstanding;
    },
  };
}
