import { request } from "node:http";
import { createMemoryBlobStore } from "../../src/adapters/in-memory/blob-store.js";
import { createS3BlobStore } from "../../src/adapters/s3/blob-store.js";
import { parseArchive } from "../../src/archives/model.js";
import type { BlobStore } from "../../src/blobs/ports.js";
import { withOrg } from "../../src/db/tenant.js";
import { gunzip } from "../../src/lib/gzip.js";
import type { TestApp } from "./app.js";
import { type S3Server, startS3Server } from "./s3-server.js";

/** A store whose calls fail like a network outage while `down` is set; otherwise the inner store. */
export interface SwitchableStore extends BlobStore {
  down: boolean;
  /** Calls that failed because the store was down. */
  failures: number;
  /** Runs once before the next `put` reaches the store (a race staged by a test). */
  beforePut: (() => Promise<void>) | null;
  /** What a call fails with while `down` (default: a refused connection). */
  downError: (() => Error) | null;
}

/** Wraps `inner` so tests can take object storage down and bring it back. */
export function switchable(inner: BlobStore): SwitchableStore {
  const gate =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      if (store.down) {
        store.failures += 1;
        throw (
          store.downError?.() ??
          Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" })
        );
      }
      return fn(...a);
    };
  const store: SwitchableStore = {
    down: false,
    failures: 0,
    beforePut: null,
    downError: null,
    put: gate(async (k, b, o) => {
      const hook = store.beforePut;
      store.beforePut = null;
      await hook?.();
      return inner.put(k, b, o);
    }),
    get: gate((k) => inner.get(k)),
    delete: gate((k) => inner.delete(k)),
    deletePrefix: gate((p) => inner.deletePrefix(p)),
    list: gate((p, onPage) => inner.list(p, onPage)),
  };
  if (inner.presignGet) {
    const presign = inner.presignGet.bind(inner);
    store.presignGet = gate((k, s) => presign(k, s));
  }
  return store;
}

/** The object store an archives suite runs on: in memory, or a local S3 server. */
export async function archiveStore(
  kind: "memory" | "s3",
): Promise<{ store: SwitchableStore; s3: S3Server | null; stop(): Promise<void> }> {
  if (kind === "memory")
    return { store: switchable(createMemoryBlobStore()), s3: null, stop: async () => {} };
  const s3 = await startS3Server();
  const inner = createS3BlobStore({ ...s3, forcePathStyle: true });
  return { store: switchable(inner), s3, stop: () => s3.stop() };
}

/** The `session_archives` row and `sessions` columns of a session, read directly. */
export async function archiveRow(t: TestApp, orgId: string, sessionUuid: string) {
  const { rows } = await withOrg(t.sql, orgId, (tx) =>
    tx.query<Record<string, unknown>>(
      `SELECT a.object_key, a.bytes, a.sha256, a.message_count, a.content_encoding, a.format_version,
              a.created_at, s.archive_key, s.status, s.messages_pruned_at,
              (SELECT count(*)::int FROM session_archives x WHERE x.session_id = s.id) AS archive_rows,
              (SELECT count(*)::int FROM session_messages m WHERE m.session_id = s.id) AS held_messages
         FROM sessions s LEFT JOIN session_archives a ON a.session_id = s.id
        WHERE s.org_id = $1 AND s.id = $2`,
      [orgId, sessionUuid],
    ),
  );
  return rows[0];
}

/** Gunzips and parses an archive object's bytes. */
export async function readArchiveBytes(body: Uint8Array) {
  const text = new TextDecoder().decode(await gunzip(body));
  return { text, ...parseArchive(text) };
}

/** GETs a URL over HTTP and returns the raw bytes and headers (no content decoding, unlike fetch). */
export function rawGet(
  url: string,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: Object.fromEntries(
            Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : String(v)]),
          ),
          body: Buffer.concat(chunks),
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}
