import { writeFile } from "node:fs/promises";
import { createMemoryKeyValue } from "../../src/adapters/in-memory/key-value.js";
import { openPglite } from "../../src/adapters/pglite/open.js";
import { createPgliteSqlClient } from "../../src/adapters/pglite/sql-client.js";
import { migrate } from "../../src/db/migrate.js";
import { loadMigrations } from "../../src/db/migrations-fs.js";
import { withOrg } from "../../src/db/tenant.js";
import { createLocalEmbedder } from "../../src/embedding/local.js";
import { localEmbed } from "../../src/embedding/local-embedder.js";
import { systemClock } from "../../src/lib/clock.js";
import { uuidv7 } from "../../src/lib/ids.js";
import { createLogger } from "../../src/lib/logger.js";
import { DEFAULT_MEMORY_CONFIG } from "../../src/memory/config.js";
import { rankMemories } from "../../src/memory/search/scoring.js";
import { searchMemories } from "../../src/memory/search/search-memories.js";
import { addMemory } from "../../src/memory/write/add-memory.js";
import { createHeuristicJudge } from "../../src/memory/write/heuristic-judge.js";
import { seedTenant } from "../support/tenant.js";
import { rand, sentence } from "./corpus.js";

// addMemory p50/p95 (local embedder, heuristic judge, HNSW index) for an agent that
// already holds N memories, and the cost of scoring 100 candidates.
const N = Number(process.env.N ?? 100_000);
const WRITES = Number(process.env.WRITES ?? 300);

const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;

const sql = createPgliteSqlClient(await openPglite(), { ownsDb: true });
await migrate(sql, await loadMigrations());
const t = await seedTenant(sql);
await sql.exec("DROP INDEX IF EXISTS memories_embedding_hnsw_idx");
const t0 = performance.now();
for (let done = 0; done < N; done += 1000) {
  const batch = Array.from({ length: Math.min(1000, N - done) }, (_, i) => sentence(done + i));
  await withOrg(sql, t.orgId, (tx) =>
    tx.query(
      `INSERT INTO memories (id, org_id, agent_id, content, content_hash, embedding, category)
       SELECT i, $1, $2, c, encode(sha256(c::bytea), 'hex'), v::vector, 'factual'
         FROM unnest($3::uuid[], $4::text[], $5::text[]) AS t(i, c, v)`,
      [
        t.orgId,
        t.agentId,
        batch.map(() => uuidv7()),
        batch,
        batch.map((c) => `[${localEmbed(c).join(",")}]`),
      ],
    ),
  );
}
const loadS = (performance.now() - t0) / 1000;
const b0 = performance.now();
await sql.exec(`CREATE INDEX memories_embedding_hnsw_idx ON memories USING hnsw (embedding vector_cosine_ops)
  WITH (m = 16, ef_construction = 64) WHERE status = 'active' AND deleted_at IS NULL`);
const buildS = (performance.now() - b0) / 1000;
await sql.exec("ANALYZE memories");

const deps = {
  sql,
  embedder: createLocalEmbedder(),
  judge: createHeuristicJudge(),
  kv: createMemoryKeyValue(),
  logger: createLogger("error"),
  config: DEFAULT_MEMORY_CONFIG,
};
const outcomes: Record<string, number> = {};
const lat: number[] = [];
for (let i = 0; i < WRITES; i++) {
  const a = performance.now();
  const r = await addMemory(
    deps,
    { orgId: t.orgId, agentId: t.agentId, changedBy: "user" },
    { content: sentence(N + i), category: "factual" },
  );
  lat.push(performance.now() - a);
  outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
}
// The full search path (embed, filtered ANN + full-text, fusion, ranking) at this size.
const searchLat: number[] = [];
for (let i = 0; i < 200; i++) {
  const a = performance.now();
  await searchMemories(
    { sql, embedder: deps.embedder, clock: systemClock },
    { orgId: t.orgId, agentId: t.agentId },
    { query: sentence(i), limit: 10 },
  );
  searchLat.push(performance.now() - a);
}
await sql.close();

const now = Date.now();
const candidates = Array.from({ length: 100 }, (_, i) => ({
  id: uuidv7(),
  category: "factual" as const,
  relevance: rand(),
  usefulness: rand(),
  confidence: rand(),
  retrieval_count: i,
  created_at: now - rand() * 1e10,
}));
const scoring: number[] = [];
for (let i = 0; i < 2000; i++) {
  const a = performance.now();
  rankMemories(candidates, now);
  scoring.push(performance.now() - a);
}

const result = {
  n: N,
  load_s: Number(loadS.toFixed(1)),
  hnsw_build_s: Number(buildS.toFixed(1)),
  add_memory_ms: {
    p50: Number(q(lat, 0.5).toFixed(2)),
    p95: Number(q(lat, 0.95).toFixed(2)),
    writes: WRITES,
    outcomes,
  },
  search_memories_ms: {
    p50: Number(q(searchLat, 0.5).toFixed(2)),
    p95: Number(q(searchLat, 0.95).toFixed(2)),
  },
  score_100_candidates_ms: {
    p50: Number(q(scoring, 0.5).toFixed(3)),
    p95: Number(q(scoring, 0.95).toFixed(3)),
  },
  at: new Date().toISOString(),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
await writeFile("test/bench/results/write-path.json", `${JSON.stringify(result, null, 2)}\n`);
