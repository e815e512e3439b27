import { writeFile } from "node:fs/promises";
import { createMemoryKeyValue } from "../../src/adapters/in-memory/key-value.js";
import { createRedisKeyValue } from "../../src/adapters/redis/key-value.js";
import { parseEmbedderConfig } from "../../src/embedder/config.js";
import { createEmbedderRuntime } from "../../src/embedder/runtime.js";
import { withEmbeddingCache } from "../../src/embedding/cached.js";
import { createEmbeddingServiceClient } from "../../src/embedding/http-client.js";
import { createLocalEmbedder } from "../../src/embedding/local.js";
import type { Embedder } from "../../src/embedding/ports.js";
import { createLogger } from "../../src/lib/logger.js";
import { REDIS_URL } from "../support/redis.js";
import { serveOnLoopback } from "../support/serve.js";

// Single-text and batch-of-32 latency, throughput and cache-hit latency for the local
// embedder in-process and through the embedding service (HTTP on loopback), in one run.
const N_SINGLE = Number(process.env.N_SINGLE ?? 1000);
const N_BATCH = Number(process.env.N_BATCH ?? 200);

let seq = 0;
// Realistic memory-sized texts, each new (no cache hits unless intended).
const fresh = () =>
  `User ${seq++} mentioned they prefer window seats, vegetarian meals and flights before noon; ` +
  `their manager is Dana and the project deadline moved to ${(seq % 28) + 1} March.`;

const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;
const ms = (x: number) => Number(x.toFixed(3));

async function time(fn: () => Promise<unknown>, n: number): Promise<number[]> {
  for (let i = 0; i < Math.min(50, n); i++) await fn(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

async function measure(name: string, e: Embedder, cached: Embedder) {
  const single = await time(() => e.embed(fresh()), N_SINGLE);
  const batch = await time(() => e.embedBatch(Array.from({ length: 32 }, fresh)), N_BATCH);
  const hitText = fresh();
  await cached.embed(hitText);
  const hits = await time(() => cached.embed(hitText), N_SINGLE);
  const texts = Array.from({ length: 2048 }, fresh);
  const t0 = performance.now();
  for (let i = 0; i < texts.length; i += 64) await e.embedBatch(texts.slice(i, i + 64));
  const throughput = texts.length / ((performance.now() - t0) / 1000);
  return {
    name,
    single_p50_ms: ms(q(single, 0.5)),
    single_p95_ms: ms(q(single, 0.95)),
    batch32_p50_ms: ms(q(batch, 0.5)),
    batch32_p95_ms: ms(q(batch, 0.95)),
    texts_per_s: Math.round(throughput),
    cache_hit_p50_ms: ms(q(hits, 0.5)),
    cache_hit_p95_ms: ms(q(hits, 0.95)),
  };
}

const local = createLocalEmbedder();
const redis = createRedisKeyValue({ url: REDIS_URL });
const rows = [
  await measure(
    "local, in-process (cache: in-memory)",
    local,
    withEmbeddingCache(local, { kv: createMemoryKeyValue() }),
  ),
  await measure("local, in-process (cache: redis)", local, withEmbeddingCache(local, { kv: redis })),
];

const runtime = await createEmbedderRuntime(
  parseEmbedderConfig({ LOG_LEVEL: "error", EMBED_CACHE: process.env.EMBED_CACHE ?? "on" }),
  createLogger("error"),
);
await runtime.warmUp();
const server = await serveOnLoopback(runtime.app.fetch);
const client = createEmbeddingServiceClient({
  baseUrl: server.url,
  dimension: 384,
  model: "engram-local-v1",
});
// Through the service, the service's own cache answers repeats.
rows.push(await measure("local, through the service (HTTP)", client, client));

// Many clients at once: what micro-batching buys under concurrency.
const concurrent = async (clients: number, perClient: number) => {
  const lat: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = 0; i < perClient; i++) {
        const s = performance.now();
        await client.embed(fresh());
        lat.push(performance.now() - s);
      }
    }),
  );
  return {
    clients,
    p50_ms: ms(q(lat, 0.5)),
    p95_ms: ms(q(lat, 0.95)),
    texts_per_s: Math.round(lat.length / ((performance.now() - t0) / 1000)),
  };
};
const load = [await concurrent(1, 500), await concurrent(16, 100), await concurrent(64, 40)];
await server.stop();
await runtime.close();
await redis.close();

const cols = Object.keys(rows[0] ?? {}).filter((k) => k !== "name");
process.stdout.write(`${"".padEnd(40)}${cols.map((c) => c.padStart(17)).join("")}\n`);
for (const r of rows) {
  process.stdout.write(
    `${r.name.padEnd(40)}${cols.map((c) => String(r[c as keyof typeof r]).padStart(17)).join("")}\n`,
  );
}
process.stdout.write("\nservice under concurrent single-text requests:\n");
for (const l of load)
  process.stdout.write(
    `  ${String(l.clients).padStart(3)} clients: p50 ${l.p50_ms} ms, p95 ${l.p95_ms} ms, ${l.texts_per_s} texts/s\n`,
  );
await writeFile(
  "test/bench/results/embeddings.json",
  `${JSON.stringify({ rows, load, at: new Date().toISOString() }, null, 2)}\n`,
);
process.exit(0);
