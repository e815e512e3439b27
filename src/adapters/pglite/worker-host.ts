import { parentPort, workerData } from "node:worker_threads";
import type { PGlite, Transaction } from "@electric-sql/pglite";
import { setConfigStatement } from "../../db/settings.js";
import { openPglite } from "./open.js";
import { toQueryResult } from "./sql-client.js";
import type { HostInit, HostReply, HostRequest, WireError } from "./worker-protocol.js";

// The embedded database's own thread: PGlite (Postgres compiled to WebAssembly) runs
// each statement synchronously, so on the main thread every query — and every page
// read from disk — would stall HTTP handling and the context deadline timers. Here
// it runs beside them; requests arrive as messages (src/adapters/pglite/worker-client.ts).

const port = parentPort;
if (!port) throw new Error("worker-host runs as a worker thread");
const init = workerData as HostInit;

const reply = (message: HostReply) => port.postMessage(message);
const wire = (err: unknown): WireError => {
  const e = (err ?? {}) as { message?: unknown; code?: unknown; constraint?: unknown };
  return {
    message: typeof e.message === "string" ? e.message : "database error",
    ...(typeof e.code === "string" ? { code: e.code } : {}),
    ...(typeof e.constraint === "string" ? { constraint: e.constraint } : {}),
  };
};
const answer = (id: number, work: Promise<unknown>) =>
  work.then(
    (value) => reply({ id, ok: true, value }),
    (err: unknown) => reply({ id, ok: false, error: wire(err) }),
  );

const ROLLBACK = Symbol("rollback");
interface OpenTx {
  tx: Transaction;
  /** Settles the transaction callback: commit, or roll back. */
  finish(commit: boolean): void;
}
const open = new Map<number, OpenTx>();
/** Answer to send for each transaction's end request, once it has committed or rolled back. */
const ending = new Map<number, number>();

function begin(db: PGlite, id: number): void {
  const settled = db.transaction(
    (tx) =>
      new Promise<void>((resolve, reject) => {
        // The transaction is named by its begin request's id.
        open.set(id, { tx, finish: (commit) => (commit ? resolve() : reject(ROLLBACK)) });
        reply({ id, ok: true, value: id });
      }),
  );
  settled.then(
    () => {
      open.delete(id);
      const endId = ending.get(id);
      ending.delete(id);
      if (endId !== undefined) reply({ id: endId, ok: true });
    },
    (err: unknown) => {
      const wasOpen = open.delete(id);
      const endId = ending.get(id);
      ending.delete(id);
      if (!wasOpen)
        reply({ id, ok: false, error: wire(err) }); // never started
      else if (endId !== undefined) {
        reply(err === ROLLBACK ? { id: endId, ok: true } : { id: endId, ok: false, error: wire(err) });
      }
    },
  );
}

function target(db: PGlite, tx: number | undefined): PGlite | Transaction {
  if (tx === undefined) return db;
  const t = open.get(tx);
  if (!t) throw Object.assign(new Error("transaction is not open"), { code: "25P01" });
  return t.tx;
}

let stopSocket = async () => {};

async function handle(db: PGlite, msg: HostRequest): Promise<void> {
  switch (msg.op) {
    case "query":
      await answer(
        msg.id,
        Promise.resolve()
          .then(() => target(db, msg.tx).query(msg.text, msg.params))
          .then(toQueryResult),
      );
      return;
    case "exec":
      await answer(
        msg.id,
        Promise.resolve()
          .then(() => target(db, msg.tx).exec(msg.script))
          .then(() => undefined),
      );
      return;
    case "scoped": {
      const prologue = setConfigStatement(msg.settings);
      await answer(
        msg.id,
        db.transaction(async (tx) => {
          await tx.query(prologue.text, prologue.params);
          const r = await tx.query(msg.text, [...msg.params]);
          return toQueryResult(r);
        }),
      );
      return;
    }
    case "begin":
      begin(db, msg.id);
      return;
    case "end": {
      const t = open.get(msg.tx);
      if (!t) {
        reply({ id: msg.id, ok: false, error: { message: "transaction is not open", code: "25P01" } });
        return;
      }
      ending.set(msg.tx, msg.id);
      t.finish(msg.commit);
      return;
    }
    case "close":
      await stopSocket();
      await db.close();
      reply({ id: msg.id, ok: true });
      port?.close();
      return;
  }
}

try {
  const db = await openPglite(init);
  if (init.socketPort) {
    const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
    const server = new PGLiteSocketServer({ db, port: init.socketPort, host: "127.0.0.1" });
    await server.start();
    stopSocket = () => server.stop();
  }
  port.on("message", (msg: HostRequest) => {
    void handle(db, msg);
  });
  reply({ id: 0, ok: true });
} catch (err) {
  reply({ id: 0, ok: false, error: wire(err) });
}
