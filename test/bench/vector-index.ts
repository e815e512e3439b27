import { writeFile } from "node:fs/promises";
import { openPglite } from "../../src/adapters/pglite/open.js";
import { createPgliteSqlClient } from "../../src/adapters/pglite/sql-client.js";
import { migrate } from "../../src/db/migrate.js";
import { loadMigrations } from "../../src/db/migrations-fs.js";
import { withOrg } from "../../src/db/tenant.js";
import { uuidv7 } from "../../src/lib/ids.js";
import { seedTenant } from "../support/tenant.js";

// ADR-0035: recall@10 and latency of HNSW and IVFFlat settings against exact search,
// for one agent holding N memories with three other agents' memories in the same
// table and index. Vectors are clustered (200 topics) like real memory embeddings.
const SIZES = (process.env.SIZES ?? "10000,100000").split(",").map(Number);
const OTHERS = Number(process.env.OTHERS ?? 5000);
const QUERIES = Number(process.env.QUERIES ?? 200);
const DIM = 384;

let seed = 42;
const rand = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const centers = Array.from({ length: 200 }, () => unit(Array.from({ length: DIM }, gauss)));
const sample = () => {
  const c = centers[Math.floor(rand() * centers.length)] ?? [];
  return unit(c.map((x) => x + 0.06 * gauss()));
};
const literal = (v: number[]) => `[${v.map((x) => x.toFixed(6)).join(",")}]`;
const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;

type Setting = { name: string; index: string | null; session: string[] };
const settings = (n: number): Setting[] => {
  const lists = Math.max(10, Math.round(Math.sqrt(n + 3 * OTHERS)));
  const hnsw =
    "CREATE INDEX bench_idx ON memories USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64) WHERE status = 'active' AND deleted_at IS NULL";
  const ivf = `CREATE INDEX bench_idx ON memories USING ivfflat (embedding vector_cosine_ops) WITH (lists = ${lists}) WHERE status = 'active' AND deleted_at IS NULL`;
  return [
    { name: "exact (no index)", index: null, session: [] },
    ...[40, 100, 200].map((ef) => ({
      name: `hnsw m=16 efc=64 ef_search=${ef}`,
      index: hnsw,
      session: [`SET hnsw.ef_search = ${ef}`, "SET hnsw.iterative_scan = strict_order"],
    })),
    ...[1, 10, 20].map((p) => ({
      name: `ivfflat lists=${lists} probes=${p}`,
      index: ivf,
      session: [`SET ivfflat.probes = ${p}`, "SET ivfflat.iterative_scan = relaxed_order"],
    })),
  ];
};

const results: Record<string, unknown>[] = [];
for (const n of SIZES) {
  const db = await openPglite();
  const sql = createPgliteSqlClient(db, { ownsDb: true });
  await migrate(sql, await loadMigrations());
  await sql.exec("DROP INDEX IF EXISTS memories_embedding_hnsw_idx");
  const target = await seedTenant(sql);
  const others = [await seedTenant(sql), await seedTenant(sql), await seedTenant(sql)];
  const t0 = performance.now();
  for (const [tenant, count] of [[target, n], ...others.map((o) => [o, OTHERS] as const)] as const) {
    for (let done = 0; done < count; done += 1000) {
      const batch = Math.min(1000, count - done);
      const ids = Array.from({ length: batch }, () => uuidv7());
      const vecs = Array.from({ length: batch }, () => literal(sample()));
      await withOrg(sql, tenant.orgId, (tx) =>
        tx.query(
          `INSERT INTO memories (id, org_id, agent_id, content, content_hash, embedding, category)
           SELECT i, $1, $2, 'bench ' || i::text, encode(sha256(i::text::bytea), 'hex'), v::vector, 'factual'
             FROM unnest($3::uuid[], $4::text[]) AS t(i, v)`,
          [tenant.orgId, tenant.agentId, ids, vecs],
        ),
      );
    }
  }
  // PGlite runs no autovacuum: without fresh statistics the planner ignores the ANN index.
  await sql.exec("ANALYZE memories");
  const loadMs = performance.now() - t0;
  const queries = Array.from({ length: QUERIES }, () => literal(sample()));
  const search = `SELECT id FROM memories WHERE org_id = $1 AND agent_id = $2 AND status = 'active' AND deleted_at IS NULL
                    ORDER BY embedding <=> $3::vector LIMIT 10`;
  let truth: string[][] = [];
  let currentIndex: string | null = null;
  for (const s of settings(n)) {
    let buildMs = 0;
    let sizeMb = 0;
    if (s.index !== currentIndex) {
      await sql.exec("DROP INDEX IF EXISTS bench_idx");
      if (s.index) {
        const b0 = performance.now();
        await sql.exec(s.index);
        buildMs = performance.now() - b0;
        const { rows } = await sql.query<{ b: string }>("SELECT pg_relation_size('bench_idx')::text AS b");
        sizeMb = Number(rows[0]?.b ?? 0) / 1e6;
      }
      currentIndex = s.index;
    }
    const found: string[][] = [];
    const lat: number[] = [];
    await withOrg(sql, target.orgId, async (tx) => {
      for (const stmt of s.session) await tx.query(stmt.replace(/^SET /, "SET LOCAL "));
      if (!s.index) await tx.query("SET LOCAL enable_indexscan = off");
      for (const vec of queries) {
        const a = performance.now();
        const { rows } = await tx.query<{ id: string }>(search, [target.orgId, target.agentId, vec]);
        lat.push(performance.now() - a);
        found.push(rows.map((r) => String(r.id)));
      }
    });
    if (!s.index) truth = found;
    const recall =
      found.reduce((acc, ids, i) => acc + ids.filter((id) => truth[i]?.includes(id)).length / 10, 0) /
      found.length;
    const row = {
      n,
      setting: s.name,
      recall_at_10: Number(recall.toFixed(4)),
      p50_ms: Number(q(lat, 0.5).toFixed(2)),
      p95_ms: Number(q(lat, 0.95).toFixed(2)),
      build_s: buildMs ? Number((buildMs / 1000).toFixed(1)) : null,
      size_mb: sizeMb ? Number(sizeMb.toFixed(1)) : null,
    };
    results.push(row);
    process.stdout.write(`${JSON.stringify(row)}\n`);
  }
  process.stdout.write(`n=${n}: loaded ${n + 3 * OTHERS} rows in ${(loadMs / 1000).toFixed(1)} s\n`);
  await sql.close();
}
await writeFile(
  "test/bench/results/vector-index.json",
  `${JSON.stringify({ others_per_agent: OTHERS, queries: QUERIES, results, at: new Date().toISOString() }, null, 2)}\n`,
);
