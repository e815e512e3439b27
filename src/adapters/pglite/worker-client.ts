import { Worker } from "node:worker_threads";
import {
  type QueryResult,
  type Row,
  type SqlClient,
  SqlError,
  type SqlExecutor,
  type TransactionOptions,
  toSqlError,
} from "../../db/ports.js";
import { createSessionQueue } from "./session-queue.js";
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
      // One message: the session is never left waiting for this thread mid-transaction.
      const work = () => call({ op: "scoped", settings, text, params });
      return session.run(work, options) as Promise<QueryResult<T>>;
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
    // A lost thread is not a full queue: the call goes ahead and reports the failure.
    admits: (options) => failure !== null || session.admits(options),
    async close() {
      if (!failure) await session.run(() => call({ op: "close" })).catch(() => undefined);
      await worker.terminate();
    },
  };
}
