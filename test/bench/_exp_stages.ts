import { readFileSync } from "node:fs";
import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verifyToken } from "../../src/auth/verify-token.js";
import { assembleContext } from "../../src/context/assemble.js";
import { warmTokenizers } from "../../src/context/tokenizer.js";
import { parseConfig } from "../../src/env.js";
import { createLogger } from "../../src/lib/logger.js";
import { reconcileHotSet } from "../../src/memory/hot-set.js";
import { createNodeRuntime } from "../../src/node-services.js";
import { assembleRequest } from "../support/assemble.js";
import { sentence } from "./corpus.js";

const seed = JSON.parse(readFileSync("/tmp/engram-seed/seed.json", "utf8"));
const dir = await mkdtemp(join(tmpdir(), "stages-"));
await cp("/tmp/engram-seed", dir, { recursive: true });
const config = parseConfig({
  ENGRAM_DATA_DIR: dir,
  LOG_LEVEL: "error",
  PGLITE_THREAD: process.env.THREAD ?? "worker",
});
const rt = await createNodeRuntime(config, createLogger("error"));
const s = process.env.NOUSAGE
  ? { ...rt.services, usage: { add() {}, flush: async () => {}, pending: () => 0 } }
  : rt.services;
await reconcileHotSet(s.sql, s.kv, s.memoryConfig, seed.orgId, seed.agentId);
await warmTokenizers();
const principal = await verifyToken(
  { sql: s.sql, pepper: s.pepper, cache: s.tokenCache, clock: s.clock },
  seed.token,
);
const rows: Record<string, number[]> = {};
const C = Number(process.env.C ?? 1);
let i0 = 0;
await Promise.all(
  Array.from({ length: C }, async () => {
    while (i0 < 400 * C) {
      const i = Math.floor(i0++ / C);
      const t = performance.now();
      const out = await assembleContext(
        s,
        principal,
        assembleRequest(seed.agentId, { query: sentence(i), sessionId: "x", model: "gpt-4o" }),
      );
      const m = { wall: performance.now() - t, ...out.metrics } as Record<string, number>;
      if (i >= 100) for (const [k, v] of Object.entries(m)) (rows[k] ??= []).push(v);
      if (i === 399) console.log(out.degradationLevel, out.memoriesIncluded, out.fallbackReason);
    }
  }),
);
const g = globalThis as any;
for (const k of ["wait", "run"])
  for (const [p, v] of Object.entries(g[`__${k}`] ?? {}) as [string, number[]][]) {
    v.sort((a, b) => a - b);
    console.log(
      k,
      p,
      v.length,
      "p50",
      v[Math.floor(v.length / 2)].toFixed(2),
      "p95",
      v[Math.floor(v.length * 0.95)].toFixed(2),
    );
  }
for (const [k, v] of Object.entries(rows)) {
  v.sort((a, b) => a - b);
  console.log(k, v[Math.floor(v.length / 2)]?.toFixed?.(2));
}
await rt.close();
process.exit(0);
