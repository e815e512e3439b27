import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { maskOf, PRESETS } from "../../src/auth/permissions.js";
import type { Principal } from "../../src/auth/principal.js";
import { assembleContext } from "../../src/context/assemble.js";
import { warmTokenizers } from "../../src/context/tokenizer.js";
import { parseConfig } from "../../src/env.js";
import { createLogger } from "../../src/lib/logger.js";
import { reconcileHotSet } from "../../src/memory/hot-set.js";
import { createNodeRuntime } from "../../src/node-services.js";
import { sentence } from "./corpus.js";

// The HTTP thread's cost of assembling one answer from the hot set (what every answer
// under load carries), without HTTP or Connect: `assembleContext` called in a loop,
// one at a time, on a copy of the database `bench:context` seeds in SEED_DIR.
// N=20000 by default; prints microseconds per call after a warm-up.
const seedDir = process.env.SEED_DIR;
if (!seedDir) throw new Error("SEED_DIR: a database seeded by `SEED_DIR=… npm run bench:context`");
const N = Number(process.env.N ?? 20_000);
const dir = await mkdtemp(join(tmpdir(), "engram-assembly-"));
await cp(seedDir, dir, { recursive: true });
const seed = JSON.parse(await readFile(join(seedDir, "seed.json"), "utf8")) as {
  orgId: string;
  agentId: string;
};
const runtime = await createNodeRuntime(
  parseConfig({ ENGRAM_DATA_DIR: dir, LOG_LEVEL: "error" }),
  createLogger("error"),
);
const { services } = runtime;
await reconcileHotSet(services.sql, services.kv, services.memoryConfig, seed.orgId, seed.agentId);
await warmTokenizers();

const principal: Principal = {
  tokenId: "bench",
  orgId: seed.orgId,
  kind: "service",
  permissions: maskOf(PRESETS.gateway),
  agentId: null,
  userId: null,
};
const input = (i: number) => ({
  agentId: seed.agentId,
  orgId: "",
  sessionId: `bench-${i % 200}`,
  query: sentence(i),
  model: "gpt-4o",
  directiveVersionId: "",
  availableTokens: 0,
  recentMessages: [{ role: "user", content: sentence(i) }],
  // The hot set only: cold search is the database's work, not this thread's.
  options: {
    skipColdMemories: true,
    skipHotMemories: false,
    weights: { recency: 0, relevance: 0, usefulness: 0, confidence: 0 },
    maxMemories: 0,
  },
});

const levels: Record<number, number> = {};
for (let i = 0; i < 3000; i++) {
  const out = await assembleContext(services, principal, input(i));
  levels[out.degradationLevel] = (levels[out.degradationLevel] ?? 0) + 1;
}
const sample = await assembleContext(services, principal, input(1));
const t0 = performance.now();
for (let i = 0; i < N; i++) await assembleContext(services, principal, input(10_000 + i));
const us = ((performance.now() - t0) * 1000) / N;
process.stdout.write(
  `${JSON.stringify({ calls: N, us_per_call: Number(us.toFixed(1)), memories_packed: sample.memoriesIncluded, warm_up_levels: levels })}\n`,
);
await runtime.close();
await rm(dir, { recursive: true, force: true });
process.exit(0);
