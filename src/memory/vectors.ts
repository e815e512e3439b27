import { AppError } from "../lib/errors.js";
import type { RetrievedDocument, VectorDocument, VectorSearchOptions } from "./ports.js";

/**
 * VM2: rejects a vector of the wrong dimension or with non-finite numbers.
 * @throws INVALID_ARGUMENT
 */
export function checkVector(vector: readonly number[], dimension: number, path = "embedding"): void {
  if (!Array.isArray(vector) || vector.length !== dimension) {
    throw new AppError("INVALID_ARGUMENT", `${path} must have ${dimension} dimensions`, {
      fields: [
        {
          path,
          message: `expected ${dimension} numbers, got ${Array.isArray(vector) ? vector.length : typeof vector}`,
        },
      ],
    });
  }
  for (const x of vector) {
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new AppError("INVALID_ARGUMENT", `${path} holds a non-finite number`, {
        fields: [{ path, message: "every component must be a finite number" }],
      });
    }
  }
}

/** Checks every document of a store() call before anything is written. */
export function checkDocuments(docs: readonly VectorDocument[], dimension: number): void {
  docs.forEach((d, i) => {
    if (typeof d?.id !== "string" || d.id.length === 0) {
      throw new AppError("INVALID_ARGUMENT", `document ${i} has no id`, {
        fields: [{ path: `docs.${i}.id`, message: "required" }],
      });
    }
    if (typeof d.content !== "string") {
      throw new AppError("INVALID_ARGUMENT", `document ${i} has no content`, {
        fields: [{ path: `docs.${i}.content`, message: "must be a string" }],
      });
    }
    checkVector(d.embedding, dimension, `docs.${i}.embedding`);
  });
}

/** topK (default 10, at least 0) and threshold (default: none) with their bounds checked. */
export function searchBounds(options: VectorSearchOptions = {}): { topK: number; threshold: number | null } {
  const topK = options.topK ?? 10;
  if (!Number.isInteger(topK) || topK < 0) {
    throw new AppError("INVALID_ARGUMENT", "topK must be a non-negative integer");
  }
  const threshold = options.threshold ?? null;
  if (threshold !== null && !Number.isFinite(threshold)) {
    throw new AppError("INVALID_ARGUMENT", "threshold must be a finite number");
  }
  return { topK, threshold };
}

/**
 * Cosine similarity; 0 when either vector is all zeros. A shorter vector counts as
 * padded with zeros. The loops read the arrays without a fallback per element: that
 * check made it three times slower, and assembly scores every hot-set memory per call.
 */
export function cosine(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  for (let i = n; i < a.length; i++) {
    const x = a[i] as number;
    na += x * x;
  }
  for (let i = n; i < b.length; i++) {
    const y = b[i] as number;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** VM3: by score descending, then by id so equal scores have one order. */
export function byScoreThenId(a: RetrievedDocument, b: RetrievedDocument): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
