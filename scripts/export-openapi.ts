import { writeFile } from "node:fs/promises";
import { createMemoryKeyValue } from "../src/adapters/in-memory/key-value.js";
import { createMemoryRateLimiter } from "../src/adapters/in-memory/rate-limiter.js";
import { createApp } from "../src/app.js";
import { createTokenCache } from "../src/auth/token-cache.js";
import { unavailableBlobStore } from "../src/blobs/unavailable.js";
import { createLoadGuard } from "../src/context/load-guard.js";
import { createHotRowsCache } from "../src/context/retrieve.js";
import { createUsageRecorder } from "../src/context/usage-recorder.js";
import type { SqlClient } from "../src/db/ports.js";
import { createDirectiveCache } from "../src/directives/cache.js";
import { createLocalEmbedder } from "../src/embedding/local.js";
import { parseConfig } from "../src/env.js";
import { selectExtractor } from "../src/extraction/select.js";
import { createJobServices } from "../src/job-services.js";
import { systemClock } from "../src/lib/clock.js";
import { createLogger } from "../src/lib/logger.js";
import { memoryConfigOf, selectJudge } from "../src/memory/write/select.js";

// The document is generated from the route definitions alone; no database is touched.
const noDatabase: SqlClient = {
  query: () => Promise.reject(new Error("no database while exporting OpenAPI")),
  exec: () => Promise.reject(new Error("no database while exporting OpenAPI")),
  transaction: () => Promise.reject(new Error("no database while exporting OpenAPI")),
  close: async () => {},
};
const config = parseConfig({});
const base = {
  config,
  sql: noDatabase,
  logger: createLogger("error"),
  clock: systemClock,
  pepper: "",
  tokenCache: createTokenCache(0),
  directiveCache: createDirectiveCache(),
  hotRows: createHotRowsCache(),
  usage: createUsageRecorder(),
  loadGuard: createLoadGuard(0),
  rateLimiter: createMemoryRateLimiter(),
  kv: createMemoryKeyValue(),
  blobs: unavailableBlobStore(),
  embedder: createLocalEmbedder(),
  judge: selectJudge(config),
  memoryConfig: memoryConfigOf(config),
  defer: () => {},
  chatMemory: () => {
    throw new Error("no database while exporting OpenAPI");
  },
  extractor: selectExtractor(config),
};
const { worker: _worker, ...jobServices } = createJobServices(base, "node");
const app = createApp(() => ({ ...base, ...jobServices }));
const res = await app.request("/openapi.json");
const doc = (await res.json()) as { paths: Record<string, unknown> };
const out = process.argv[2] ?? "docs/openapi.json";
await writeFile(out, `${JSON.stringify(doc, null, 2)}\n`);
process.stdout.write(`wrote ${out} (${Object.keys(doc.paths).length} paths)\n`);
