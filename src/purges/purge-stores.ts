import type { BlobStore } from "../blobs/ports.js";
import type { KeyValue } from "../kv/ports.js";
import { AppError, isAppError, redactedCause } from "../lib/errors.js";
import { hotSetKey } from "../memory/hot-set.js";
import type { PurgeTarget } from "./purge-rows.js";

/** Objects taken on (recorded, then deleted) per progress update. */
const OBJECT_CHUNK = 100;
/** Deletes in flight at once within a chunk. */
const OBJECT_PARALLEL = 10;

/** What the store erasers need from the run: its lease kept, and its counts recorded. */
export interface PurgeHooks {
  /** Renews the run's lease when it is due (cheap otherwise); throws when the run lost its job. */
  heartbeat(): Promise<void>;
  /**
   * Records a chunk of keys about to be deleted, with the lease renewed, and counts
   * those no earlier chunk or run recorded; throws when the run lost its job.
   */
  takeObjects(keys: readonly string[]): Promise<void>;
  /** Adds keys the key-value store deleted (exact: UNLINK counts only keys that existed). */
  keysDeleted(n: number): Promise<void>;
}

/**
 * The object prefixes of a target: everything under `{org}/` for an org; for an agent,
 * its archives (`{org}/{agent}/`) and its exports (`{org}/exports/{agent}/`).
 */
export function objectPrefixes(t: PurgeTarget): string[] {
  if (t.agentId === null) return [`${t.orgId}/`];
  return [`${t.orgId}/${t.agentId}/`, `${t.orgId}/exports/${t.agentId}/`];
}

/**
 * The key-value prefixes of a target: `{org}:` for an org (every key the app writes
 * for an org starts so); an agent's hot set for an agent. (An agent's revoked tokens
 * may leave rate-limit counters: a number each, gone within two minutes.)
 */
export function keyPrefixes(t: PurgeTarget): string[] {
  if (t.agentId === null) return [`${t.orgId}:`];
  return [hotSetKey(t.orgId, t.agentId)];
}

/**
 * A failure of the object store, as a retryable UNAVAILABLE unless it already says
 * what it is; the cause keeps the error's class and code only (a filesystem error's
 * message is a path full of ids).
 */
function storeFailure(err: unknown): AppError {
  if (isAppError(err)) return err;
  return new AppError("UNAVAILABLE", "object storage unavailable", {
    cause: redactedCause(err),
    retryable: true,
  });
}

/** Lists a prefix, renewing the lease page by page; a retryable failure when the store cannot answer. */
export async function listObjects(blobs: BlobStore, prefix: string, hooks: PurgeHooks): Promise<string[]> {
  try {
    return await blobs.list(prefix, () => hooks.heartbeat());
  } catch (err) {
    throw storeFailure(err);
  }
}

/**
 * Deletes every object under the target's prefixes in chunks. Each chunk's keys are
 * first recorded and counted (`takeObjects`: only keys never recorded before count,
 * and the lease is renewed), then deleted, so the count is exact whatever happens
 * around it: a retry after an outage, a crash between the record and the deletes, or a
 * second run racing this one after its lease lapsed each find the keys already
 * recorded. A chunk with failures throws the first (retryable when the store is down);
 * its objects are still there, listed and deleted by the next run without being
 * counted again.
 */
export async function eraseObjects(blobs: BlobStore, t: PurgeTarget, hooks: PurgeHooks): Promise<void> {
  for (const prefix of objectPrefixes(t)) {
    const keys = await listObjects(blobs, prefix, hooks);
    for (let i = 0; i < keys.length; i += OBJECT_CHUNK) {
      const chunk = keys.slice(i, i + OBJECT_CHUNK);
      await hooks.takeObjects(chunk);
      for (let j = 0; j < chunk.length; j += OBJECT_PARALLEL) {
        if (j > 0) await hooks.heartbeat();
        const settled = await Promise.allSettled(
          chunk.slice(j, j + OBJECT_PARALLEL).map((k) => blobs.delete(k)),
        );
        const failed = settled.find((s) => s.status === "rejected");
        if (failed) throw storeFailure(failed.reason);
      }
    }
  }
}

/** Objects still under the target's prefixes. */
export async function remainingObjects(blobs: BlobStore, t: PurgeTarget, hooks: PurgeHooks): Promise<number> {
  let n = 0;
  for (const prefix of objectPrefixes(t)) n += (await listObjects(blobs, prefix, hooks)).length;
  return n;
}

/**
 * Deletes the target's keys (SCAN + UNLINK page by page), recording each page's count
 * and renewing the lease as it goes: a SCAN over a large keyspace can outlast a lease.
 */
export async function eraseKeys(kv: KeyValue, t: PurgeTarget, hooks: PurgeHooks): Promise<void> {
  for (const prefix of keyPrefixes(t)) {
    let recorded = 0;
    const total = await kv.deletePrefix(prefix, async (deleted) => {
      if (deleted > 0) {
        recorded += deleted;
        await hooks.keysDeleted(deleted);
      } else {
        await hooks.heartbeat();
      }
    });
    // A store that does not report pages (or reported fewer) leaves the rest to add here.
    if (total > recorded) await hooks.keysDeleted(total - recorded);
  }
}

/** Keys still under the target's prefixes. */
export async function remainingKeys(kv: KeyValue, t: PurgeTarget, hooks: PurgeHooks): Promise<number> {
  let n = 0;
  for (const prefix of keyPrefixes(t)) n += (await kv.scan(prefix, () => hooks.heartbeat())).length;
  return n;
}
