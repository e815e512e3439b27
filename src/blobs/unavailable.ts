import { AppError } from "../lib/errors.js";
import type { BlobStore } from "./ports.js";

const UNCONFIGURED = new WeakSet<BlobStore>();

/**
 * Stands in when no object storage is configured (a Worker with neither S3_BUCKET nor a
 * BLOBS binding). Writing and reading answer UNAVAILABLE with the reason; listing and
 * deleting answer truthfully that nothing is stored, since nothing could have been —
 * so a purge or a retention sweep finishes instead of waiting for a store that will
 * never come.
 */
export function unavailableBlobStore(): BlobStore {
  const fail = async (): Promise<never> => {
    throw new AppError(
      "UNAVAILABLE",
      "object storage is not configured (set S3_BUCKET or bind an R2 bucket as BLOBS)",
    );
  };
  const store: BlobStore = {
    put: fail,
    get: fail,
    delete: async () => {},
    deletePrefix: async () => 0,
    list: async () => [],
  };
  UNCONFIGURED.add(store);
  return store;
}

/** False for the stand-in above: the deployment has no object storage at all. */
export function isBlobStoreConfigured(store: BlobStore): boolean {
  return !UNCONFIGURED.has(store);
}
