import { assertBlobKey, assertBlobPrefix, type Blob, type BlobStore } from "../../blobs/ports.js";

/** Blobs in a map: for tests and single-process setups that need no persistence. */
export function createMemoryBlobStore(): BlobStore {
  const objects = new Map<string, Blob>();
  return {
    async put(key, body, opts) {
      assertBlobKey(key);
      objects.set(key, {
        body: body.slice(),
        contentType: opts.contentType,
        ...(opts.contentEncoding ? { contentEncoding: opts.contentEncoding } : {}),
      });
    },
    async get(key) {
      assertBlobKey(key);
      const b = objects.get(key);
      return b ? { ...b, body: b.body.slice() } : null;
    },
    async delete(key) {
      assertBlobKey(key);
      objects.delete(key);
    },
    async deletePrefix(prefix) {
      assertBlobPrefix(prefix);
      let n = 0;
      for (const key of [...objects.keys()]) {
        if (key.startsWith(prefix)) {
          objects.delete(key);
          n++;
        }
      }
      return n;
    },
    async list(prefix) {
      assertBlobPrefix(prefix);
      return [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    },
  };
}
