import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { openPglite } from "../../src/adapters/pglite/open.js";
import { createPgliteSqlClient } from "../../src/adapters/pglite/sql-client.js";
import { migrate } from "../../src/db/migrate.js";
import { loadMigrations } from "../../src/db/migrations-fs.js";
import { withOrg } from "../../src/db/tenant.js";
import { localEmbed } from "../../src/embedding/local-embedder.js";
import { sha256Hex } from "../../src/lib/crypto.js";
import { uuidv7 } from "../../src/lib/ids.js";
import { lexicalQuery } from "../../src/memory/search/lexical.js";
import { seedTenant } from "../support/tenant.js";

// LoCoMo evidence recall@k for three retrievers over the same stored turns, in one
// run: the local embedder (pgvector cosine), Postgres full-text (OR of the question's
// content words, ranked by ts_rank_cd) and their reciprocal-rank fusion (k = 60).
const ZIP = process.env.LOCOMO_ZIP ?? "../shared/data/locomo10.zip";
const KS = [5, 10, 20] as const;
const CATEGORY = { 1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop" } as Record<
  number,
  string
>;
const RRF_K = 60;

if (!existsSync(ZIP)) {
  process.stdout.write(`LoCoMo data not found at ${ZIP}; skipping (set LOCOMO_ZIP).\n`);
  process.exit(0);
}

type Turn = { speaker: string; dia_id: string; text: string; blip_caption?: string };
type Qa = { question: string; evidence: string[]; category: number };
type Conversation = Record<string, unknown> & { qa: Qa[] };

const files = execFileSync("unzip", ["-Z1", ZIP], { encoding: "utf8" })
  .split("\n")
  .filter((f) => f.endsWith(".json"));
const conversations = files.map(
  (f) =>
    JSON.parse(
      execFileSync("unzip", ["-p", ZIP, f], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }),
    ) as Conversation,
);

const sql = createPgliteSqlClient(await openPglite(), { ownsDb: true });
await migrate(sql, await loadMigrations());

const orQuery = lexicalQuery;

type Result = { category: number; evidence: Set<string>; ranked: Record<string, string[]> };
const results: Result[] = [];
const latency: Record<string, number[]> = { local: [], lexical: [], hybrid: [] };

for (const conv of conversations) {
  const tenant = await seedTenant(sql);
  const turns = Object.keys(conv)
    .filter((k) => /^session_\d+$/.test(k))
    .flatMap((k) => conv[k] as Turn[]);
  await withOrg(sql, tenant.orgId, async (tx) => {
    for (const t of turns) {
      const content = `${t.speaker}: ${t.text}${t.blip_caption ? ` [shares ${t.blip_caption}]` : ""}`;
      await tx.query(
        `INSERT INTO memories (id, org_id, agent_id, content, content_hash, embedding, category, metadata)
         VALUES ($1, $2, $3, $4, $5, $6::vector, 'episodic', $7)`,
        [
          uuidv7(),
          tenant.orgId,
          tenant.agentId,
          content,
          await sha256Hex(`${t.dia_id}:${content}`),
          `[${localEmbed(content).join(",")}]`,
          JSON.stringify({ dia_id: t.dia_id }),
        ],
      );
    }
  });
  for (const qa of conv.qa.filter((q) => q.category >= 1 && q.category <= 4)) {
    const ranked: Record<string, string[]> = {};
    await withOrg(sql, tenant.orgId, async (tx) => {
      await tx.query("SELECT set_config('hnsw.iterative_scan', 'strict_order', true)");
      let t0 = performance.now();
      const vec = await tx.query<{ d: string }>(
        `SELECT metadata->>'dia_id' AS d FROM memories WHERE org_id = $1 AND agent_id = $2
          ORDER BY embedding <=> $3::vector LIMIT 50`,
        [tenant.orgId, tenant.agentId, `[${localEmbed(qa.question).join(",")}]`],
      );
      latency.local?.push(performance.now() - t0);
      t0 = performance.now();
      const q = orQuery(qa.question);
      const lex = q
        ? await tx.query<{ d: string }>(
            `SELECT metadata->>'dia_id' AS d FROM memories
              WHERE org_id = $1 AND agent_id = $2 AND content_tsv @@ to_tsquery('english', $3)
              ORDER BY ts_rank_cd(content_tsv, to_tsquery('english', $3)) DESC, id LIMIT 50`,
            [tenant.orgId, tenant.agentId, q],
          )
        : { rows: [] };
      latency.lexical?.push(performance.now() - t0);
      ranked.local = vec.rows.map((r) => r.d);
      ranked.lexical = lex.rows.map((r) => r.d);
    });
    const t0 = performance.now();
    const fused = new Map<string, number>();
    for (const list of [ranked.local ?? [], ranked.lexical ?? []]) {
      for (const [rank, d] of list.entries()) fused.set(d, (fused.get(d) ?? 0) + 1 / (RRF_K + rank + 1));
    }
    ranked.hybrid = [...fused.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([d]) => d);
    latency.hybrid?.push(
      (latency.local?.at(-1) ?? 0) + (latency.lexical?.at(-1) ?? 0) + performance.now() - t0,
    );
    const evidence = new Set(
      qa.evidence.flatMap((e) => e.split(/[;,\s]+/)).filter((e) => /^D\d+:\d+$/.test(e)),
    );
    if (evidence.size > 0) results.push({ category: qa.category, evidence, ranked });
  }
}
await sql.close();

const methods = ["local", "lexical", "hybrid"] as const;
const recall = (rs: Result[], m: string, k: number, mode: "all" | "any") =>
  rs.length === 0
    ? 0
    : rs.filter((r) => {
        const top = new Set((r.ranked[m] ?? []).slice(0, k));
        const hits = [...r.evidence].filter((e) => top.has(e)).length;
        return mode === "all" ? hits === r.evidence.size : hits > 0;
      }).length / rs.length;
const pct = (x: number) => `${(x * 100).toFixed(1)}`.padStart(5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] ?? 0;

const table: Record<string, unknown> = {};
const lines = [
  `LoCoMo evidence recall (${results.length} questions, categories 1-4; all-evidence / any-evidence, %)`,
];
lines.push(
  `${"group".padEnd(22)}${methods.map((m) => KS.map((k) => `${m}@${k}`.padStart(17)).join("")).join("")}`,
);
const groups: [string, Result[]][] = [
  ["overall", results],
  ...[1, 2, 3, 4].map(
    (c) => [`${c} ${CATEGORY[c]}`, results.filter((r) => r.category === c)] as [string, Result[]],
  ),
];
for (const [name, rs] of groups) {
  const row: Record<string, unknown> = { n: rs.length };
  let line = `${`${name} (${rs.length})`.padEnd(22)}`;
  for (const m of methods) {
    for (const k of KS) {
      const all = recall(rs, m, k, "all");
      const any = recall(rs, m, k, "any");
      row[`${m}@${k}`] = { all: Number(all.toFixed(4)), any: Number(any.toFixed(4)) };
      line += `${pct(all)} / ${pct(any)}`.padStart(17);
    }
  }
  table[name] = row;
  lines.push(line);
}
lines.push(
  `latency per query, ms (median / p95): ${methods.map((m) => `${m} ${median(latency[m] ?? []).toFixed(2)} / ${p95(latency[m] ?? []).toFixed(2)}`).join("; ")}`,
);
process.stdout.write(`${lines.join("\n")}\n`);
await writeFile(
  "test/bench/results/locomo.json",
  `${JSON.stringify({ questions: results.length, recall: table, latency_ms: Object.fromEntries(methods.map((m) => [m, { median: median(latency[m] ?? []), p95: p95(latency[m] ?? []) }])), at: new Date().toISOString() }, null, 2)}\n`,
);
