import type { PgliteOptions } from "./open.js";

/** What the embedded-database thread is started with (its workerData). */
export interface HostInit extends PgliteOptions {
  /** Serve the database on this TCP port too (development aid: `wrangler dev`, psql). */
  socketPort?: number;
}

/** Main thread → database thread. `tx` names an open transaction; absent, the statement runs alone. */
export type HostRequest =
  | { id: number; op: "query"; text: string; params: unknown[]; tx?: number }
  | { id: number; op: "exec"; script: string; tx?: number }
  /** One statement in its own transaction after set_config for each setting: one round trip. */
  | {
      id: number;
      op: "scoped";
      settings: readonly (readonly [string, string])[];
      text: string;
      params: readonly unknown[];
    }
  | { id: number; op: "begin" }
  | { id: number; op: "end"; tx: number; commit: boolean }
  | { id: number; op: "close" };

/** A driver error as it crosses the thread boundary (the fields SqlError keeps). */
export interface WireError {
  message: string;
  code?: string;
  constraint?: string;
}

/**
 * Database thread → main thread: the answer to request `id`. Id 0 is sent once, when
 * the database is open (ok) or could not be opened (the error).
 */
export type HostReply =
  | { id: number; ok: true; value?: unknown }
  | { id: number; ok: false; error: WireError };
