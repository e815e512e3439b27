import { assertBlobKey, assertBlobPrefix, type BlobStore, collectListing } from "../../blobs/ports.js";

/** The part of an R2 bucket binding this adapter uses (Workers' `R2Bucket` satisfies it). */
export interface R2BucketLike {
  put(
    key: string,
    body: Uint8Array,
    opts: { httpMetadata: { contentType: string; contentEncoding?: string } },
  ): Promise<unknown>;
  get(key: string): Promise<{
    arrayBuffer(): Promise<ArrayBuffer>;
    httpMetadata?: { contentType?: string; contentEncoding?: string };
  } | null>;
  delete(keys: string | string[]): Promise<void>;
  list(opts: { prefix: string; cursor?: string; limit: number }): Promise<{
    objects: { key: string }[];
    truncated: boolean;
    cursor?: string;
  }>;
}

/**
 * Blobs in an R2 bucket through its Worker binding. A binding cannot pre-sign URLs,
 * so this store has no `presignGet`. `pageSize` is the keys per list call (R2's
 * maximum, 1,000, unless a test wants to cross pages with fewer objects).
 */
export function createR2BlobStore(bucket: R2BucketLike, { pageSize = 1000 } = {}): BlobStore {
  const listPages = async function* (prefix: string): AsyncGenerator<string[]> {
    let cursor: string | undefined;
    do {
      const page = await bucket.list({ prefix, cursor, limit: pageSize });
      yield page.objects.map((o) => o.key);
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
  };
  return {
    async put(key, body, opts) {
      assertBlobKey(key);
      await bucket.put(key, body, {
        httpMetadata: {
          contentType: opts.contentType,
          ...(opts.contentEncoding ? { contentEncoding: opts.contentEncoding } : {}),
        },
      });
    },
    async get(key) {
      assertBlobKey(key);
      const obj = await bucket.get(key);
      if (!obj) return null;
      const encoding = obj.httpMetadata?.contentEncoding;
      return {
        body: new Uint8Array(await obj.arrayBuffer()),
        contentType: obj.httpMetadata?.contentType ?? "application/octet-stream",
        ...(encoding ? { contentEncoding: encoding } : {}),
      };
    },
    async delete(key) {
      assertBlobKey(key);
      await bucket.delete(key);
    },
    async deletePrefix(prefix) {
      assertBlobPrefix(prefix);
      // Collect first: deleting while paging would shift the listing under the cursor.
      const keys: string[] = [];
      for await (const page of listPages(prefix)) keys.push(...page);
      for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000));
      return keys.length;
    },
    async list(prefix, onPage) {
      assertBlobPrefix(prefix);
      return collectListing(listPages(prefix), onPage);
    },
  };
}
