import { Worker } from "node:worker_threads";
import {
  canceledBeforeStart,
  type QueryResult,
  type Row,
  type SqlClient,
  SqlError,
  type SqlExecutor,
  type TransactionOptions,
  toSqlError,
} from "../../db/ports.js";
import type { HostInit, HostReply, HostRequest } from "./worker-protocol.js";

type Pending = { resolve(value: unknown): void; reject(err: SqlError): void };
// Distributes Omit over the union so each variant keeps its own fields.
type Outgoing = HostRequest extends infer R ? (R extends HostRequest ? Omit<R, "id"> : never) : never;

/**
 * Starts the database thread. From TypeScript sources (tsx, vitest) the thread first
 * registers tsx's loader — a worker does not inherit the parent's loader hooks; a
 * compiled build loads worker-host.js directly.
 */
function startHost(init: HostInit): Worker {
  if (!import.meta.url.endsWith(".ts"))
    return new Worker(new URL("./worker-host.js", import.meta.url), { workerData: init });
  const entry = new URL("./worker-host.ts", import.meta.url).href;
  const loader = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(loader)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: init });
}

type Lane = "high" | "normal" | "low";

interface Waiting {
  start(): Promise<void>;
  cancel(): void;
  since: number;
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
  let inFlight = 0;
  let exclusive = false;
  let meanMs = 1;
  const observe = (ms: number) => {
    // Outliers (a cold page cache, a checkpoint) are clipped: one slow transaction
    // must not make the queue refuse everything, which would leave it no samples.
    meanMs += 0.1 * (Math.min(ms, 4 * meanMs + 1) - meanMs);
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
      if (!lane || !next || exclusive || inFlight >= PIPELINE_DEPTH) return;
      if (next.exclusive && inFlight > 0) return;
      queues[lane].shift();
      inFlight++;
      exclusive = next.exclusive;
      const t0 = now();
      next.start().finally(() => {
        // Pipelined work is timed on the database thread (`observe`); this would count the queue too.
        if (next.exclusive) observe(now() - t0);
        inFlight--;
        exclusive = false;
        pump();
      });
    }
  };
  /** Transactions that would run before one joining `lane` now (work in flight counts half). */
  const ahead = (lane: Lane) =>
    inFlight * 0.5 +
    queues.high.length +
    (lane === "high" ? 0 : queues.normal.length) +
    (lane === "low" ? queues.low.length : 0);
  return {
    run<T>(work: () => Promise<T>, options: TransactionOptions = {}, pipelined = false): Promise<T> {
      const { signal, deadline, priority = "normal" } = options;
      if (signal?.aborted) return Promise.reject(canceledBeforeStart());
      if (deadline !== undefined && now() + (ahead(priority) + 1) * meanMs > deadline) {
        return Promise.reject(canceledBeforeStart("it would not finish before its deadline"));
      }
      return new Promise<T>((resolve, reject) => {
        const queue = queues[priority];
        const waiting: Waiting = {
          since: now(),
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
    /** The recent mean time a transaction holds the session. */
    meanMs: () => meanMs,
  };
}

/**
 * SqlClient over PGlite running on its own worker thread (worker-host.ts). Same
 * semantics as the in-process adapter — one session, statements and transactions
 * take turns — but the WebAssembly and its file reads leave the thread that serves
 * HTTP and keeps the context deadlines.
 */
export async function createPgliteWorkerClient(init: HostInit): Promise<SqlClient> {
  const worker = startHost(init);
  const session = createSessionQueue();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: SqlError | null = null;

  const failAll = (err: SqlError) => {
    failure ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  const ready = new Promise<void>((resolve, reject) => {
    worker.on("message", (msg: HostReply) => {
      if (msg.id === 0) {
        if (msg.ok) resolve();
        else reject(toSqlError(msg.error));
        return;
      }
      if (msg.ms !== undefined) session.observe(msg.ms);
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(toSqlError(msg.error));
    });
    worker.on("error", (err) => {
      const e = new SqlError(`embedded database thread failed: ${err.message}`, undefined, undefined, err);
      reject(e);
      failAll(e);
    });
    worker.on("exit", () => failAll(new SqlError("embedded database thread exited")));
  });

  const call = (req: Outgoing): Promise<unknown> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    const reply = new Promise<unknown>((resolve, reject) => pending.set(id, { resolve, reject }));
    worker.postMessage({ ...req, id });
    return reply;
  };

  const inTx = (tx: number): SqlExecutor => ({
    async query<T = Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      return (await call({ op: "query", text, params: [...params], tx })) as QueryResult<T>;
    },
    async exec(script: string): Promise<void> {
      await call({ op: "exec", script, tx });
    },
  });

  try {
    await ready;
  } catch (err) {
    await worker.terminate();
    throw err;
  }

  return {
    query<T = Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      return session.run(() => call({ op: "query", text, params: [...params] })) as Promise<QueryResult<T>>;
    },
    async exec(script: string): Promise<void> {
      await session.run(() => call({ op: "exec", script }));
    },
    queryWithSettings<T = Row>(
      settings: readonly (readonly [string, string])[],
      text: string,
      params: readonly unknown[],
      options?: TransactionOptions,
    ): Promise<QueryResult<T>> {
      const op = { op: "scoped" as const, settings: settings.map(([k, v]) => [k, v] as [string, string]) };
      return session.run(() => call({ ...op, text, params: [...params] }), options) as Promise<
        QueryResult<T>
      >;
    },
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> {
      return session.run(async () => {
        const tx = (await call({ op: "begin" })) as number;
        try {
          const result = await fn(inTx(tx));
          await call({ op: "end", tx, commit: true });
          return result;
        } catch (err) {
          await call({ op: "end", tx, commit: false }).catch(() => undefined);
          throw err;
        }
      }, options);
    },
    async close() {
      if (!failure) await session.run(() => call({ op: "close" })).catch(() => undefined);
      await worker.terminate();
    },
  };
}
