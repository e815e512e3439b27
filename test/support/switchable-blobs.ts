import type { BlobStore } from "../../src/blobs/ports.js";
import { AppError } from "../../src/lib/errors.js";

/**
 * Wraps an object store so it can be made to fail every call (as an unreachable store
 * would, with a retryable UNAVAILABLE), to fail deletes after `n` more succeed, or to
 * hold a delete until a test lets it go. Test infrastructure.
 */
export function switchableBlobs(inner: BlobStore) {
  let down = false;
  let deletesLeft = Number.POSITIVE_INFINITY;
  let beforeDelete: ((key: string) => Promise<void>) | null = null;
  const outage = () => new AppError("UNAVAILABLE", "object storage unavailable", { retryable: true });
  const guard = <T>(fn: () => Promise<T>) => (down ? Promise.reject(outage()) : fn());
  const store: BlobStore = {
    put: (k, b, o) => guard(() => inner.put(k, b, o)),
    get: (k) => guard(() => inner.get(k)),
    delete: (k) =>
      guard(async () => {
        await beforeDelete?.(k);
        if (deletesLeft <= 0) throw outage();
        deletesLeft -= 1;
        return inner.delete(k);
      }),
    deletePrefix: (p) => guard(() => inner.deletePrefix(p)),
    list: (p, onPage) => guard(() => inner.list(p, onPage)),
  };
  return {
    store,
    setDown(value: boolean) {
      down = value;
    },
    /** Lets `n` more deletes through, then fails the rest (Infinity: all succeed again). */
    failDeletesAfter(n: number) {
      deletesLeft = n;
    },
    /** Awaits `hook` before every delete reaches the store (null: none). */
    setBeforeDelete(hook: ((key: string) => Promise<void>) | null) {
      beforeDelete = hook;
    },
  };
}
