import { Redis } from "ioredis";
import { describe, it } from "vitest";
import { createRedisKeyValue } from "../../src/adapters/redis/key-value.js";
import { createS3BlobStore } from "../../src/adapters/s3/blob-store.js";
import { realPostgresAvailable } from "../support/real-postgres.js";
import { REDIS_URL } from "../support/redis.js";
import { startS3Server } from "../support/s3-server.js";
import { runPurgeSuite } from "./purges.suite.js";

// Real PostgreSQL, real Redis and a local S3 server: what a self-hosted deployment runs on.
if (process.env.CI || (await realPostgresAvailable())) {
  runPurgeSuite("PostgreSQL, Redis and S3", "postgres", async () => {
    const s3 = await startS3Server();
    const kv = createRedisKeyValue({ url: REDIS_URL });
    const raw = new Redis(REDIS_URL);
    return {
      blobs: createS3BlobStore({ ...s3, forcePathStyle: true }),
      kv,
      down: () => s3.failNext(1_000_000, 503),
      up: () => s3.failNext(0, 503),
      async keysContaining(text) {
        const found: string[] = [];
        let cursor = "0";
        do {
          const [next, keys] = await raw.scan(cursor, "MATCH", `*${text}*`, "COUNT", 1000);
          found.push(...keys);
          cursor = next;
        } while (cursor !== "0");
        return found;
      },
      async close() {
        raw.disconnect();
        await kv.close();
        await s3.stop();
      },
    };
  });
} else {
  describe.skip("purges on postgres (no PostgreSQL with pgvector on 127.0.0.1:5432)", () =>
    it("skipped", () => {}));
}
