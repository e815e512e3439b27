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

interface Waiting {
  start(): Promise<void>;
  cancel(): void;
}

/**
 * The one database session's queue, kept on this thread: the next transaction is
 * sent only when the session is free, `high` before `normal`, and one whose caller
 * has given up is dropped without ever reaching the database.
 */
function createSessionQueue() {
  const queues: Record<"high" | "normal", Waiting[]> = { high: [], normal: [] };
  let busy = false;
  const pump = () => {
    if (busy) return;
    const next = queues.high.shift() ?? queues.normal.shift();
    if (!next) return;
    busy = true;
    next.start().finally(() => {
      busy = false;
      pump();
    });
  };
  return {
    run<T>(work: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
      const { signal, priority = "normal" } = options;
      if (signal?.aborted) return Promise.reject(canceledBeforeStart());
      return new Promise<T>((resolve, reject) => {
        const queue = queues[priority];
        const waiting: Waiting = {
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

  const session = createSessionQueue();
  return {
    query<T = Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      return session.run(() => call({ op: "query", text, params: [...params] })) as Promise<QueryResult<T>>;
    },
    async exec(script: string): Promise<void> {
      await session.run(() => call({ op: "exec", script }));
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
