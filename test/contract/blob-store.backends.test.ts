import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { createFsBlobStore } from "../../src/adapters/fs/blob-store.js";
import { createMemoryBlobStore } from "../../src/adapters/in-memory/blob-store.js";
import { createR2BlobStore, type R2BucketLike } from "../../src/adapters/r2/blob-store.js";
import { runBlobStoreContract } from "./blob-store.contract.js";

runBlobStoreContract("in-memory", async () => ({ blobs: createMemoryBlobStore(), close: async () => {} }));

runBlobStoreContract("filesystem", async () => {
  const dir = await mkdtemp(join(tmpdir(), "engram-blobs-"));
  return { blobs: createFsBlobStore(dir), close: () => rm(dir, { recursive: true, force: true }) };
});

// R2 as workerd implements it locally (Miniflare), reached through its binding.
runBlobStoreContract("r2 (workerd)", async () => {
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 204 }); } }",
    r2Buckets: ["BLOBS"],
  });
  const bucket = (await mf.getR2Bucket("BLOBS")) as unknown as R2BucketLike;
  return { blobs: createR2BlobStore(bucket), close: () => mf.dispose() };
});
