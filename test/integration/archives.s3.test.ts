import { runArchivesSuite } from "./archives.suite.js";

// Objects in a local S3-compatible server (test/support/s3-server.ts): pre-signed
// downloads, real 5xx answers and an unreachable endpoint.
runArchivesSuite("pglite", "s3");
