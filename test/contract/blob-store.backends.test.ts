import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFsBlobStore } from "../../src/adapters/fs/blob-store.js";
import { createMemoryBlobStore } from "../../src/adapters/in-memory/blob-store.js";
import { createR2BlobStore, type R2BucketLike } from "../../src/adapters/r2/blob-store.js";
import { createS3BlobStore } from "../../src/adapters/s3/blob-store.js";
import { isAppError } from "../../src/lib/errors.js";
import { type S3Server, startS3Server } from "../support/s3-server.js";
import { runBlobStoreContract } from "./blob-store.contract.js";

runBlobStoreContract("in-memory", async () => ({ blobs: createMemoryBlobStore(), close: async () => {} }), {
  manyKeys: 1100,
});

runBlobStoreContract("filesystem", async () => {
  const dir = await mkdtemp(join(tmpdir(), "engram-blobs-"));
  return { blobs: createFsBlobStore(dir), close: () => rm(dir, { recursive: true, force: true }) };
});

describe("filesystem adapter: errors carry no paths", () => {
  it("a failing write keeps its code and loses the path (org, agent and session ids)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "engram-blobs-"));
    try {
      const blobs = createFsBlobStore(dir);
      await blobs.put("org-1/agent-1/conv-42", new Uint8Array([1]), { contentType: "text/plain" });
      // A key under an existing object: the directory cannot be made.
      const err = await blobs
        .put("org-1/agent-1/conv-42/x", new Uint8Array([1]), { contentType: "text/plain" })
        .then(
          () => null,
          (e: unknown) => e as Error & { code?: string },
        );
      expect(err?.code).toMatch(/^E[A-Z]+$/);
      expect(err?.message).toBe(err?.code);
      const seen = `${err?.message} ${err?.stack} ${JSON.stringify(err)}`;
      for (const part of [dir, "org-1", "conv-42"]) expect(seen).not.toContain(part);
      await expect(blobs.get("../escape")).rejects.toThrow(/invalid blob key/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// R2 as workerd implements it locally (Miniflare), reached through its binding.
runBlobStoreContract(
  "r2 (workerd)",
  async () => {
    const mf = new Miniflare({
      modules: true,
      script: "export default { fetch() { return new Response(null, { status: 204 }); } }",
      r2Buckets: ["BLOBS"],
    });
    const bucket = (await mf.getR2Bucket("BLOBS")) as unknown as R2BucketLike;
    // Small pages, so the paging test crosses several without writing 1,000 objects.
    return { blobs: createR2BlobStore(bucket, { pageSize: 50 }), close: () => mf.dispose() };
  },
  { manyKeys: 120, listPages: 3 },
);

// The S3 API of a real local server (s3rver behind a SigV4 check, test/support/s3-server.ts).
runBlobStoreContract(
  "s3 (s3rver)",
  async () => {
    const server = await startS3Server();
    return { blobs: createS3BlobStore({ ...server, forcePathStyle: true }), close: () => server.stop() };
  },
  { manyKeys: 1100, presign: true, listPages: 2 },
);

describe("S3 adapter: failures become AppErrors jobs can act on", () => {
  let server: S3Server;
  beforeAll(async () => {
    server = await startS3Server();
  });
  afterAll(() => server?.stop());

  const codeOf = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(isAppError(err)).toBe(true);
    return isAppError(err) ? { code: err.code, retryable: err.retryable, message: err.message } : null;
  };

  it("a wrong secret is refused by the server and is not retried", async () => {
    const wrong = createS3BlobStore({ ...server, secretAccessKey: "0".repeat(40), forcePathStyle: true });
    const put = await codeOf(wrong.put("o/k", new Uint8Array(1), { contentType: "text/plain" }));
    expect(put).toMatchObject({ code: "INTERNAL", retryable: false });
    expect(put?.message).not.toContain(server.secretAccessKey);
    const get = await codeOf(wrong.get("o/k"));
    expect(get).toMatchObject({ code: "INTERNAL", retryable: false });
    // A link signed with the wrong secret does not open the object either.
    const good = createS3BlobStore({ ...server, forcePathStyle: true });
    await good.put("o/k", new Uint8Array([1]), { contentType: "text/plain" });
    const link = await wrong.presignGet?.("o/k", 60);
    expect((await fetch(link?.url ?? "")).status).toBe(403);
  });

  it("5xx answers are UNAVAILABLE and retryable (after the SDK's own retries)", async () => {
    const blobs = createS3BlobStore({ ...server, forcePathStyle: true });
    server.failNext(3, 503);
    expect(await codeOf(blobs.get("o/k"))).toMatchObject({ code: "UNAVAILABLE", retryable: true });
    server.failNext(3, 500);
    expect(await codeOf(blobs.list("o/"))).toMatchObject({ code: "UNAVAILABLE", retryable: true });
    // Fewer failures than the SDK's attempts: the call succeeds.
    server.failNext(1, 503);
    expect((await blobs.get("o/k"))?.body).toEqual(new Uint8Array([1]));
  });

  it("an unreachable endpoint is UNAVAILABLE and retryable", async () => {
    const down = await startS3Server();
    await down.stop();
    const blobs = createS3BlobStore({ ...down, forcePathStyle: true });
    expect(await codeOf(blobs.put("o/k", new Uint8Array(1), { contentType: "text/plain" }))).toMatchObject({
      code: "UNAVAILABLE",
      retryable: true,
    });
    expect(await codeOf(blobs.deletePrefix("o/"))).toMatchObject({ code: "UNAVAILABLE", retryable: true });
  });

  it("a missing bucket is not mistaken for a missing object", async () => {
    const blobs = createS3BlobStore({ ...server, bucket: "no-such-bucket", forcePathStyle: true });
    expect(await codeOf(blobs.get("o/k"))).toMatchObject({ code: "INTERNAL", retryable: false });
  });
});

// Workers' fetch decodes gzip-labelled responses on its own; the adapter must still
// return the stored bytes there (B5), so it runs here inside workerd, bundled for it.
describe("S3 adapter inside workerd", () => {
  let server: S3Server;
  let mf: Miniflare;
  beforeAll(async () => {
    server = await startS3Server();
    const adapter = fileURLToPath(new URL("../../src/adapters/s3/blob-store.ts", import.meta.url));
    const bundle = await build({
      stdin: {
        contents: `import { createS3BlobStore } from ${JSON.stringify(adapter)};
          export default {
            async fetch(req, env) {
              const blobs = createS3BlobStore({ ...JSON.parse(env.S3), forcePathStyle: true });
              const got = await blobs.get(new URL(req.url).searchParams.get("key"));
              if (!got) return new Response(null, { status: 404 });
              return new Response(got.body, { headers: { "x-encoding": got.contentEncoding ?? "" } });
            },
          };`,
        resolveDir: process.cwd(),
        loader: "ts",
      },
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      conditions: ["workerd", "worker", "browser"],
      logLevel: "silent",
    });
    mf = new Miniflare({
      modules: true,
      script: bundle.outputFiles[0]?.text ?? "",
      compatibilityDate: "2026-05-01",
      compatibilityFlags: ["nodejs_compat"],
      bindings: { S3: JSON.stringify(server) },
    });
  }, 60_000);
  afterAll(async () => {
    await mf?.dispose();
    await server?.stop();
  });

  it("B5 get returns gzip bytes as stored, with their encoding", async () => {
    const node = createS3BlobStore({ ...server, forcePathStyle: true });
    const gz = new Uint8Array(gzipSync('{"role":"user","content":"hello"}\n'.repeat(50)));
    await node.put("org/2026/05/s.ndjson", gz, {
      contentType: "application/x-ndjson",
      contentEncoding: "gzip",
    });
    const res = await mf.dispatchFetch("http://worker/?key=org/2026/05/s.ndjson");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-encoding")).toBe("gzip");
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(gz))).toBe(true);
  });
});
