import { AppError } from "../lib/errors.js";
import type { BlobStore } from "./ports.js";

/** Stands in when no object storage is bound: every call answers UNAVAILABLE with the reason. */
export function unavailableBlobStore(): BlobStore {
  const fail = async (): Promise<never> => {
    throw new AppError("UNAVAILABLE", "object storage is not configured (bind an R2 bucket as BLOBS)");
  };
  return { put: fail, get: fail, delete: fail, deletePrefix: fail };
}
