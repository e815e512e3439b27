import { assertBlobKey, assertBlobPrefix, type BlobStore } from "../../blobs/ports.js";

/** The part of an R2 bucket binding this adapter uses (Workers' `R2Bucket` satisfies it). */
export interface R2BucketLike {
  put(key: string, body: Uint8Array, opts: { httpMetadata: { contentType: string } }): Promise<unknown>;
  get(
    key: string,
  ): Promise<{ arrayBuffer(): Promise<ArrayBuffer>; httpMetadata?: { contentType?: string } } | null>;
  delete(keys: string | string[]): Promise<void>;
  list(opts: { prefix: string; cursor?: string; limit: number }): Promise<{
    objects: { key: string }[];
    truncated: boolean;
    cursor?: string;
  }>;
}

/** Blobs in an R2 bucket through its Worker binding. */
export function createR2BlobStore(bucket: R2BucketLike): BlobStore {
  return {
    async put(key, body, opts) {
      assertBlobKey(key);
      await bucket.put(key, body, { httpMetadata: { contentType: opts.contentType } });
    },
    async get(key) {
      assertBlobKey(key);
      const obj = await bucket.get(key);
      if (!obj) return null;
      return {
        body: new Uint8Array(await obj.arrayBuffer()),
        contentType: obj.httpMetadata?.contentType ?? "application/octet-stream",
      };
    },
    async delete(key) {
      assertBlobKey(key);
      await bucket.delete(key);
    },
    async deletePrefix(prefix) {
      assertBlobPrefix(prefix);
      let n = 0;
      let cursor: string | undefined;
      do {
        const page = await bucket.list({ prefix, cursor, limit: 1000 });
        if (page.objects.length) await bucket.delete(page.objects.map((o) => o.key));
        n += page.objects.length;
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return n;
    },
  };
}
