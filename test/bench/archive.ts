import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readArchiveObject } from "../../src/archives/archive-object.js";
import { migrate } from "../../src/db/migrate.js";
import { loadMigrations } from "../../src/db/migrations-fs.js";
import type { SqlClient } from "../../src/db/ports.js";
import { withOrg } from "../../src/db/tenant.js";
import { parseConfig } from "../../src/env.js";
import { insertJobs } from "../../src/jobs/enqueue.js";
import { createJobWorker } from "../../src/jobs/worker.js";
import { uuidv7 } from "../../src/lib/ids.js";
import { createLogger } from "../../src/lib/logger.js";
import { createNodeRuntime, type NodeRuntime } from "../../src/node-services.js";
import { freshDatabase, realPostgresAvailable } from "../support/real-postgres.js";
import { startS3Server } from "../support/s3-server.js";
import { seededRandom } from "../support/seeded-random.js";
import { seedTenant } from "../support/tenant.js";
import { embeddedCaller } from "./embedded-caller.js";

// npm run bench:archive — the session.archive job's throughput (sessions/s, MB/s) for
// SESSIONS sessions of TURNS turns, on the embedded default (PGlite on its thread, files
// under the data directory) and on the machine's PostgreSQL with a local S3 server;
// and the time from `complete` until the archive is written on the embedded default.
// Medians of RUNS runs.
const RUNS = Number(process.env.RUNS ?? 3);
const SESSIONS = Number(process.env.SESSIONS ?? 1_000);
const TURNS = Number(process.env.TURNS ?? 20);
const CONCURRENCY = [2, 8];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

const WORDS = (
  "the a to and of I you it is that in for on my with can we this be have not are do your what about " +
  "flight hotel booking seat window aisle refund invoice order delivery address password account " +
  "meeting tomorrow morning afternoon Monday Friday report budget team project deadline draft review " +
  "allergic peanuts vegetarian coffee tea Lisbon Berlin Tokyo Lyon train ticket price cheaper earlier " +
  "please thanks sure okay great sorry help check again could would should maybe prefer like need want"
).split(" ");

/** A conversation turn of 5–80 words, reproducible from `rand`. */
function turnText(rand: () => number): string {
  const n = 5 + Math.floor(rand() * 75);
  const words = Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)] ?? "ok");
  return `${words.join(" ")}.`;
}

/** SESSIONS completed sessions of TURNS turns each, inserted directly. */
async function seedSessions(sql: SqlClient) {
  const t = await seedTenant(sql);
  const rand = seededRandom(41);
  const ids: string[] = [];
  for (let i = 0; i < SESSIONS; i += 50) {
    const batch = Array.from({ length: Math.min(50, SESSIONS - i) }, () => uuidv7());
    await withOrg(sql, t.orgId, async (tx) => {
      for (const id of batch) {
        await tx.query(
          `INSERT INTO sessions (id, org_id, agent_id, external_id, status, turn_count, completed_at)
           VALUES ($1, $2, $3, $4, 'completed', $5, now())`,
          [id, t.orgId, t.agentId, `bench:${id}`, TURNS],
        );
        const turns = Array.from({ length: TURNS }, (_, k) => ({
          role: k % 2 ? "assistant" : "user",
          content: turnText(rand),
        }));
        await tx.query(
          `INSERT INTO session_messages (session_id, org_id, seq, role, content)
           SELECT $1, $2, t.ord - 1, t.role, t.content
             FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS t(role, content, ord)`,
          [id, t.orgId, turns.map((m) => m.role), turns.map((m) => m.content)],
        );
      }
    });
    ids.push(...batch);
  }
  return { ...t, ids };
}

/** Archives every seeded session through the job ledger, `concurrency` at a time; one timed pass. */
async function archivePass(
  runtime: NodeRuntime,
  seed: Awaited<ReturnType<typeof seedSessions>>,
  concurrency: number,
  label: string,
) {
  const { sql, blobs } = runtime.services;
  await blobs.deletePrefix(`${seed.orgId}/`);
  await withOrg(sql, seed.orgId, async (tx) => {
    await tx.query("DELETE FROM session_archives WHERE org_id = $1", [seed.orgId]);
    await tx.query("UPDATE sessions SET archive_key = NULL WHERE org_id = $1", [seed.orgId]);
    await insertJobs(
      tx,
      seed.orgId,
      seed.ids.map((id) => ({
        type: "session.archive" as const,
        v: 1 as const,
        payload: { agent_id: seed.agentId, session_id: id },
        key: `session.archive:${id}:${label}`,
      })),
      4,
    );
  });
  const worker = createJobWorker(runtime.services.jobRunner, {
    concurrency,
    leaseSeconds: 120,
    pollMs: 1000,
  });
  const started = performance.now();
  const ran = await worker.drain();
  const seconds = (performance.now() - started) / 1000;
  if (ran.succeeded !== SESSIONS)
    throw new Error(`archived ${ran.succeeded} of ${SESSIONS}: ${JSON.stringify(ran)}`);
  const { rows } = await withOrg(sql, seed.orgId, (tx) =>
    tx.query<{ n: number; bytes: string }>(
      "SELECT count(*)::int AS n, sum(bytes)::text AS bytes FROM session_archives WHERE org_id = $1",
      [seed.orgId],
    ),
  );
  return { seconds, archives: Number(rows[0]?.n), storedBytes: Number(rows[0]?.bytes) };
}

/** The NDJSON bytes behind the stored (gzipped) ones: every archive read back once. */
async function transcriptBytes(runtime: NodeRuntime, orgId: string): Promise<number> {
  const { rows } = await withOrg(runtime.services.sql, orgId, (tx) =>
    tx.query<{ object_key: string }>("SELECT object_key FROM session_archives WHERE org_id = $1", [orgId]),
  );
  let total = 0;
  for (const r of rows) {
    const a = await readArchiveObject(runtime.services.blobs, r.object_key);
    if (!a) throw new Error("archive missing");
    total += Buffer.byteLength(
      [a.header, ...a.messages].map((l) => `${JSON.stringify(l)}\n`).join(""),
      "utf8",
    );
  }
  return total;
}

async function throughput(runtime: NodeRuntime, name: string) {
  const seed = await seedSessions(runtime.services.sql);
  const out: Record<string, unknown>[] = [];
  for (const concurrency of CONCURRENCY) {
    const passes = [];
    for (let r = 0; r < RUNS; r++)
      passes.push(await archivePass(runtime, seed, concurrency, `${concurrency}-${r}`));
    const stored = passes[0]?.storedBytes ?? 0;
    const raw = await transcriptBytes(runtime, seed.orgId);
    const secs = median(passes.map((p) => p.seconds));
    const row = {
      setup: name,
      concurrency,
      sessions: SESSIONS,
      turns: TURNS,
      sessions_per_s: Math.round(SESSIONS / secs),
      stored_mb_per_s: round(stored / 1e6 / secs, 2),
      transcript_mb_per_s: round(raw / 1e6 / secs, 2),
      stored_mb: round(stored / 1e6, 2),
      transcript_mb: round(raw / 1e6, 2),
      compression: round(raw / stored, 2),
      runs_s: passes.map((p) => round(p.seconds, 2)),
    };
    console.info(row);
    out.push(row);
  }
  return out;
}

/** Time from `complete` until its archive job has succeeded, on the embedded default. */
async function completeToArchived(runtime: NodeRuntime) {
  const call = await embeddedCaller(runtime);
  const agent = (await call("POST", "/v1/agents", { name: "bench", slug: "bench" })).id as string;
  const rand = seededRandom(7);
  const times: number[] = [];
  const runs = Math.max(RUNS * 4, 12);
  for (let r = 0; r < runs; r++) {
    const sid = `bench-${r}`;
    await call("POST", `/v1/agents/${agent}/sessions/${sid}/messages`, {
      messages: Array.from({ length: TURNS }, (_, k) => ({
        role: k % 2 ? "assistant" : "user",
        content: turnText(rand),
      })),
    });
    const started = performance.now();
    const done = await call("POST", `/v1/agents/${agent}/sessions/${sid}/complete`);
    const archiveJob = (done.job_ids as string[]).at(-1);
    for (;;) {
      const job = await call("GET", `/v1/jobs/${archiveJob}`);
      if (job.type !== "session.archive") throw new Error("not the archive job");
      if (job.status === "succeeded" || job.status === "dead") break;
      await new Promise((res) => setTimeout(res, 5));
    }
    times.push(performance.now() - started);
  }
  await runtime.jobWorker.stop();
  return {
    sessions: runs,
    turns: TURNS,
    p50_ms: round(median(times)),
    p95_ms: round(pct(times, 0.95)),
    max_ms: round(Math.max(...times)),
    target_ms: 5_000,
  };
}

const logger = createLogger("error", () => {});
const results: Record<string, unknown> = { date: new Date().toISOString(), runs: RUNS };
const rows: Record<string, unknown>[] = [];

{
  const dir = await mkdtemp(join(tmpdir(), "engram-bench-archive-"));
  const runtime = await createNodeRuntime(parseConfig({ ENGRAM_DATA_DIR: dir, LOG_LEVEL: "error" }), logger);
  await migrate(runtime.services.sql, await loadMigrations());
  rows.push(...(await throughput(runtime, "embedded PGlite + files")));
  results.complete_to_archived = await completeToArchived(runtime);
  console.info("complete → archive written (embedded)", results.complete_to_archived);
  await runtime.close();
  await rm(dir, { recursive: true, force: true });
}

if (await realPostgresAvailable()) {
  const db = await freshDatabase("engram_bench");
  const s3 = await startS3Server();
  const dir = await mkdtemp(join(tmpdir(), "engram-bench-archive-"));
  const config = parseConfig({
    ENGRAM_DATA_DIR: dir,
    LOG_LEVEL: "error",
    DATABASE_URL: db.url,
    DATABASE_DRIVER: "pg",
    DATABASE_POOL_MAX: "12",
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: s3.bucket,
    S3_REGION: s3.region,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    S3_FORCE_PATH_STYLE: "true",
  });
  const runtime = await createNodeRuntime(config, logger);
  await migrate(runtime.services.sql, await loadMigrations());
  rows.push(...(await throughput(runtime, "PostgreSQL + S3 (local)")));
  await runtime.close();
  await s3.stop();
  await db.drop();
  await rm(dir, { recursive: true, force: true });
} else {
  console.info("PostgreSQL + S3: skipped (no server with pgvector on 127.0.0.1:5432)");
}
results.throughput = rows;

console.table(
  rows.map((r) => ({
    setup: r.setup,
    concurrency: r.concurrency,
    "sessions/s": r.sessions_per_s,
    "stored MB/s": r.stored_mb_per_s,
    "NDJSON MB/s": r.transcript_mb_per_s,
    "stored MB": r.stored_mb,
    ratio: r.compression,
  })),
);
await writeFile(new URL("./results/archive.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
