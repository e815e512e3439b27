import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryKeyValue } from "../../src/adapters/in-memory/key-value.js";
import { createPgSqlClient } from "../../src/adapters/pg/sql-client.js";
import { openPglite } from "../../src/adapters/pglite/open.js";
import { createPgliteSqlClient } from "../../src/adapters/pglite/sql-client.js";
import { migrate } from "../../src/db/migrate.js";
import { loadMigrations } from "../../src/db/migrations-fs.js";
import type { SqlClient } from "../../src/db/ports.js";
import { withOrg } from "../../src/db/tenant.js";
import { createLocalEmbedder } from "../../src/embedding/local.js";
import { parseConfig } from "../../src/env.js";
import { type ExtractionScore, scoreExtraction, sumScores } from "../../src/extraction/evaluate.js";
import type { Turn } from "../../src/extraction/ports.js";
import { createRuleExtractor } from "../../src/extraction/rule-extractor.js";
import { insertJobs } from "../../src/jobs/enqueue.js";
import type { JobHandlers } from "../../src/jobs/handlers.js";
import { createJobWorker } from "../../src/jobs/worker.js";
import { uuidv7 } from "../../src/lib/ids.js";
import { createLogger } from "../../src/lib/logger.js";
import type { MemoryCategory } from "../../src/memory/categories.js";
import { DEFAULT_MEMORY_CONFIG } from "../../src/memory/config.js";
import { addMemory } from "../../src/memory/write/add-memory.js";
import { createHeuristicJudge } from "../../src/memory/write/heuristic-judge.js";
import { createNodeRuntime } from "../../src/node-services.js";
import { freshDatabase, realPostgresAvailable } from "../support/real-postgres.js";
import { seedTenant } from "../support/tenant.js";
import { embeddedCaller } from "./embedded-caller.js";

// npm run bench:extraction — the memory loop's figures (docs/measurements.md):
// rule-based extraction throughput and quality (on the set the rules were tuned
// against and on a held-out set they were not), time from `complete` until the
// memories are visible on the embedded default, and the job queue's throughput on
// PGlite and on the machine's PostgreSQL. Medians of RUNS runs.
const RUNS = Number(process.env.RUNS ?? 5);
const QUEUE_JOBS = Number(process.env.QUEUE_JOBS ?? 2_000);

interface Conversation {
  id: string;
  turns: { role: Turn["role"]; content: string }[];
  expected: { content: string; category: string }[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

const loadConversations = async (file: string) =>
  JSON.parse(
    await readFile(new URL(`../fixtures/extraction/${file}`, import.meta.url), "utf8"),
  ) as Conversation[];
/** The labelled set the rules were written against; its figures flatter them. */
const conversations = await loadConversations("conversations.json");
/** Labelled independently of the rules, never tuned on: the honest figure. */
const heldOut = await loadConversations("held-out.json");

/** 10-turn sessions made from the labelled conversations (cycled), as the extractor sees them. */
function tenTurnSessions(): Turn[][] {
  const all = conversations.flatMap((c) => c.turns);
  return conversations.map((_, i) =>
    Array.from({ length: 10 }, (_, k) => {
      const m = all[(i * 10 + k) % all.length] ?? { role: "user" as const, content: "hi" };
      return { seq: k, role: m.role, content: m.content };
    }),
  );
}

async function ruleThroughput() {
  const extractor = createRuleExtractor();
  const sessions = tenTurnSessions();
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < 1_000) {
      for (const s of sessions) await extractor.extract(s);
      n += sessions.length;
    }
    rates.push(n / ((performance.now() - start) / 1000));
  }
  return { sessions_per_s: Math.round(median(rates)), runs: rates.map(Math.round), turns_per_session: 10 };
}

async function ruleQuality(set: Conversation[]) {
  const extractor = createRuleExtractor();
  const scores: ExtractionScore[] = [];
  for (const c of set) {
    const turns = c.turns.map((t, seq) => ({ seq, role: t.role, content: t.content }));
    const { facts } = await extractor.extract(turns);
    scores.push(scoreExtraction(c.expected, facts));
  }
  const total = sumScores(scores);
  return {
    conversations: set.length,
    expected_facts: set.reduce((n, c) => n + c.expected.length, 0),
    precision: round(total.precision, 3),
    recall: round(total.recall, 3),
    category_accuracy: round(total.categoryAccuracy, 3),
    true_positives: total.truePositives,
    false_positives: total.falsePositives,
    false_negatives: total.falseNegatives,
  };
}

interface Pair {
  existing: string;
  incoming: string;
  category: MemoryCategory;
  contradicts: boolean;
}

/** The labelled contradiction pairs through the real write pipeline, each in a fresh agent. */
async function contradictionQuality() {
  const pairs = JSON.parse(
    await readFile(new URL("../fixtures/contradictions.json", import.meta.url), "utf8"),
  ) as Pair[];
  const sql = createPgliteSqlClient(await openPglite(), { ownsDb: true });
  await migrate(sql, await loadMigrations());
  const deps = {
    sql,
    embedder: createLocalEmbedder(),
    judge: createHeuristicJudge(),
    kv: createMemoryKeyValue(),
    logger: createLogger("error", () => {}),
    config: DEFAULT_MEMORY_CONFIG,
  };
  let caught = 0;
  let wrong = 0;
  for (const pair of pairs) {
    const t = await seedTenant(sql);
    const scope = { orgId: t.orgId, agentId: t.agentId, changedBy: "user" as const };
    const old = await addMemory(deps, scope, { content: pair.existing, category: pair.category });
    const fresh = await addMemory(deps, scope, { content: pair.incoming, category: pair.category });
    const status = await withOrg(sql, t.orgId, async (tx) => {
      const { rows } = await tx.query<{ status: string }>("SELECT status FROM memories WHERE id = $1", [
        old.memory.id,
      ]);
      return rows[0]?.status;
    });
    const flagged =
      fresh.outcome === "flagged" && fresh.reason === "pending_review" && fresh.conflictsWith.length > 0;
    if (pair.contradicts && (status === "superseded" || flagged)) caught += 1;
    if (!pair.contradicts && status === "superseded") wrong += 1;
  }
  await sql.close();
  const positives = pairs.filter((p) => p.contradicts).length;
  return {
    pairs: pairs.length,
    contradicting: positives,
    caught: round(caught / positives, 3),
    wrongly_superseded: round(wrong / (pairs.length - positives), 3),
  };
}

/** Time from `complete` until the extracted memories are listed, on the embedded default (PGlite on its thread). */
async function completeToVisible() {
  const dir = await mkdtemp(join(tmpdir(), "engram-bench-"));
  const config = parseConfig({ ENGRAM_DATA_DIR: dir, LOG_LEVEL: "error", GRPC_PORT: "0" });
  const runtime = await createNodeRuntime(config, createLogger("error"));
  const { services } = runtime;
  await migrate(services.sql, await loadMigrations());
  const call = await embeddedCaller(runtime);
  const agent = (await call("POST", "/v1/agents", { name: "bench", slug: "bench" })).id as string;
  const times: number[] = [];
  const sessions = tenTurnSessions();
  const runs = Math.max(RUNS * 2, 10);
  for (let r = 0; r < runs; r++) {
    const turns = sessions[r % sessions.length] ?? [];
    const sid = `bench-${r}`;
    await call("POST", `/v1/agents/${agent}/sessions/${sid}/messages`, {
      messages: turns.map((t) => ({ role: t.role, content: `${t.content} (${r})` })),
    });
    const started = performance.now();
    const done = await call("POST", `/v1/agents/${agent}/sessions/${sid}/complete`);
    const jobId = (done.job_ids as string[])[0];
    for (;;) {
      const job = await call("GET", `/v1/jobs/${jobId}`);
      if (job.status === "succeeded" || job.status === "dead") break;
      await new Promise((r) => setTimeout(r, 5));
    }
    times.push(performance.now() - started);
  }
  await runtime.close();
  await rm(dir, { recursive: true, force: true });
  return {
    sessions: runs,
    turns: 10,
    p50_ms: round(median(times)),
    p95_ms: round(pct(times, 0.95)),
    max_ms: round(Math.max(...times)),
  };
}

/** Jobs per second through claim → run (a no-op handler) → settle, `workers` workers of concurrency 4. */
async function queueThroughput(sql: SqlClient, workers: number) {
  const t = await seedTenant(sql);
  const noop = async () => ({});
  const handlers: JobHandlers = { "memory.extract": noop, "session.archive": noop, "org.purge": noop };
  const deps = { sql, logger: createLogger("error"), handlers, retryDelaysMs: [0] };
  const rates: number[] = [];
  for (let r = 0; r < Math.min(RUNS, 3); r++) {
    await withOrg(sql, t.orgId, async (tx) => {
      for (let i = 0; i < QUEUE_JOBS; i += 500) {
        await insertJobs(
          tx,
          t.orgId,
          Array.from({ length: Math.min(500, QUEUE_JOBS - i) }, () => ({
            type: "memory.extract" as const,
            v: 1 as const,
            payload: { agent_id: t.agentId, session_id: uuidv7() },
            key: uuidv7(),
          })),
          2,
        );
      }
    });
    const started = performance.now();
    await Promise.all(
      Array.from({ length: workers }, () =>
        createJobWorker(deps, { concurrency: 4, leaseSeconds: 60, pollMs: 1000 }).drain(),
      ),
    );
    rates.push(QUEUE_JOBS / ((performance.now() - started) / 1000));
  }
  return { jobs_per_s: Math.round(median(rates)), runs: rates.map(Math.round), jobs: QUEUE_JOBS, workers };
}

const results: Record<string, unknown> = { date: new Date().toISOString() };
results.rule_throughput = await ruleThroughput();
console.info("rule-based extraction", results.rule_throughput);
results.rule_quality = await ruleQuality(conversations);
console.info("rule-based quality, tuning set", results.rule_quality);
results.rule_quality_held_out = await ruleQuality(heldOut);
console.info("rule-based quality, held-out set", results.rule_quality_held_out);
results.contradictions = await contradictionQuality();
console.info("contradictions", results.contradictions);
results.complete_to_visible = await completeToVisible();
console.info("complete → memories visible (embedded)", results.complete_to_visible);

const pglite = createPgliteSqlClient(await openPglite(), { ownsDb: true });
await migrate(pglite, await loadMigrations());
results.queue_pglite = await queueThroughput(pglite, 1);
console.info("queue on PGlite", results.queue_pglite);
await pglite.close();

if (await realPostgresAvailable()) {
  const db = await freshDatabase("engram_bench");
  const pg = createPgSqlClient({ connectionString: db.url, max: 12 });
  await migrate(pg, await loadMigrations());
  results.queue_postgres_1 = await queueThroughput(pg, 1);
  console.info("queue on PostgreSQL, 1 worker", results.queue_postgres_1);
  results.queue_postgres_2 = await queueThroughput(pg, 2);
  console.info("queue on PostgreSQL, 2 workers", results.queue_postgres_2);
  await pg.close();
  await db.drop();
} else {
  console.info("queue on PostgreSQL: skipped (no server with pgvector on 127.0.0.1:5432)");
}

await writeFile(
  new URL("./results/extraction.json", import.meta.url),
  `${JSON.stringify(results, null, 2)}\n`,
);
