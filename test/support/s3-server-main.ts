import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";

/** The part of s3rver (CommonJS, untyped) this module uses. */
interface S3rverApp {
  run(): Promise<AddressInfo>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverApp;

const S3rver = createRequire(import.meta.url)("s3rver") as S3rverClass;

/**
 * The child process behind startS3Server (test/support/s3-server.ts): s3rver on a
 * free loopback port over S3_DIR, with bucket S3_BUCKET; it reports the port and lives
 * until its parent goes away. It runs apart because s3rver's list continuation tokens
 * use single DES, which OpenSSL 3 only has in its legacy provider
 * (`--openssl-legacy-provider`, a process-wide switch). Test infrastructure only.
 */
async function main(): Promise<void> {
  const { S3_DIR: directory, S3_BUCKET: bucket } = process.env;
  if (!directory || !bucket || !process.send) throw new Error("run through startS3Server");
  const s3rver = new S3rver({
    address: "127.0.0.1",
    port: 0,
    directory,
    silent: true,
    allowMismatchedSignatures: false,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await s3rver.run();
  // The parent going away (a crashed test run included) ends this process.
  process.on("disconnect", () => process.exit(0));
  process.send({ port });
}

await main();
