import { writeFile } from "node:fs/promises";
import { createRedisKeyValue } from "../../src/adapters/redis/key-value.js";
import { createS3BlobStore } from "../../src/adapters/s3/blob-store.js";
import { createTestApp, newAgent, newOrg } from "../support/app.js";
import { realPostgresAvailable } from "../support/real-postgres.js";
import { REDIS_URL } from "../support/redis.js";
import { startS3Server } from "../support/s3-server.js";

// npm run bench:purge — how long an org purge takes on the machine's PostgreSQL, with
// Redis and a local S3 server: an org of MEMORIES memories (with embeddings, one
// version and one tag each) and SESSIONS sessions (MESSAGES messages each, archived
// as one object each), beside a second org a tenth its size that must stay whole.
// Data is inserted in bulk with SQL, not through the API; seeding the full size takes
// minutes (every memory enters the HNSW index), the purge itself well under a minute.
const MEMORIES = Number(process.env.MEMORIES ?? 100_000);
const SESSIONS = Number(process.env.SESSIONS ?? 1_000);
const MESSAGES = Number(process.env.MESSAGES ?? 20);
const DIM = 384;

if (!(await realPostgresAvailable())) {
  console.info("purge bench: no PostgreSQL with pgvector on 127.0.0.1:5432; skipped");
  process.exit(0);
}

const s3 = await startS3Server();
const blobs = createS3BlobStore({ ...s3, forcePathStyle: true });
const kv = createRedisKeyValue({ url: REDIS_URL });
const t = await createTestApp({ LOG_LEVEL: "warn" }, { database: "postgres", blobs, kv: () => kv });
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Bulk rows for one org: memories (+versions, tags), sessions (+messages, archive rows), objects, hot sets. */
async function fill(orgId: string, agents: string[], memories: number, sessions: number): Promise<void> {
  await t.sql.query(
    `INSERT INTO memories (id, org_id, agent_id, content, content_hash, embedding, embedding_model, category)
     SELECT gen_random_uuid(), $1::uuid, ($2::uuid[])[1 + i % array_length($2::uuid[], 1)],
            'Memory number ' || i || ' about the user''s travel preferences',
            encode(sha256((($1::uuid)::text || i)::bytea), 'hex'),
            (SELECT array_agg(random()::real) FROM generate_series(1, ${DIM}) WHERE i >= 0)::vector,
            'engram-local-v1', 'preference'
       FROM generate_series(1, $3) AS i`,
    [orgId, agents, memories],
  );
  await t.sql.query(
    `INSERT INTO memory_versions (id, org_id, memory_id, version_num, operation, snapshot, changed_by)
     SELECT gen_random_uuid(), org_id, id, 1, 'create', '{}'::jsonb, 'user' FROM memories WHERE org_id = $1`,
    [orgId],
  );
  await t.sql.query(
    "INSERT INTO memory_tags (memory_id, org_id, tag) SELECT id, org_id, 'travel' FROM memories WHERE org_id = $1",
    [orgId],
  );
  await t.sql.query(
    `INSERT INTO sessions (id, org_id, agent_id, external_id, status, turn_count, last_extracted_turn, completed_at,
                           archive_key)
     SELECT id, $1::uuid, agent, 'conv-' || i, 'completed', $4::int, $4::int - 1, now(),
            ($1::uuid)::text || '/' || agent::text || '/2026/12/conv-' || i || '.ndjson.gz'
       FROM (SELECT gen_random_uuid() AS id, ($2::uuid[])[1 + i % array_length($2::uuid[], 1)] AS agent, i
               FROM generate_series(1, $3) AS i) s`,
    [orgId, agents, sessions, MESSAGES],
  );
  await t.sql.query(
    `INSERT INTO session_messages (session_id, org_id, seq, role, content)
     SELECT s.id, s.org_id, m, CASE WHEN m % 2 = 0 THEN 'user' ELSE 'assistant' END, 'Message ' || m
       FROM sessions s, generate_series(0, $2 - 1) AS m WHERE s.org_id = $1`,
    [orgId, MESSAGES],
  );
  await t.sql.query(
    `INSERT INTO session_archives (session_id, org_id, object_key, bytes, sha256, message_count)
     SELECT id, org_id, archive_key, 2048, repeat('a', 64), turn_count FROM sessions WHERE org_id = $1`,
    [orgId],
  );
  const { rows } = await t.sql.query<{ archive_key: string }>(
    "SELECT archive_key FROM sessions WHERE org_id = $1",
    [orgId],
  );
  const body = new Uint8Array(2048);
  for (let i = 0; i < rows.length; i += 50) {
    await Promise.all(
      rows
        .slice(i, i + 50)
        .map((r) =>
          blobs.put(r.archive_key, body, { contentType: "application/x-ndjson", contentEncoding: "gzip" }),
        ),
    );
  }
  for (const agent of agents) {
    await kv.zaddTrim(`${orgId}:hot:${agent}`, [{ member: agent, score: 1 }], 100, 3600);
  }
  await t.sql.exec("ANALYZE");
}

async function seededOrg(slug: string, memories: number, sessions: number) {
  const org = await newOrg(t, slug);
  const agents = [];
  for (let i = 0; i < 4; i++) agents.push((await newAgent(t, org.token, `${slug}-${i}`)).id);
  const started = performance.now();
  await fill(org.orgId, agents, memories, sessions);
  console.info(
    `seeded ${slug}: ${memories} memories, ${sessions} sessions in ${round((performance.now() - started) / 1000)} s`,
  );
  return org;
}

try {
  const target = await seededOrg("bench-purge", MEMORIES, SESSIONS);
  const bystander = await seededOrg("bench-keep", Math.ceil(MEMORIES / 10), Math.ceil(SESSIONS / 10));
  const bystanderBefore = await t.sql.query<{ n: number }>(
    "SELECT (SELECT count(*) FROM memories WHERE org_id = $1) + (SELECT count(*) FROM session_messages WHERE org_id = $1) AS n",
    [bystander.orgId],
  );

  let started = performance.now();
  const res = await t.call("DELETE", `/v1/orgs/${target.orgId}?confirm=${target.orgId}`, {
    token: target.token,
  });
  const requestMs = performance.now() - started;
  if (res.status !== 202) throw new Error(`purge request answered ${res.status}`);
  const { id } = (await res.json()) as { id: string };

  started = performance.now();
  await t.jobWorker.drain();
  const purgeMs = performance.now() - started;
  const purge = (await (await t.call("GET", `/v1/purges/${id}`, { token: t.rootToken })).json()) as {
    status: string;
    progress: { batches: number };
    certificate: { counts: { rows: Record<string, number>; objects: number; keys: number } };
  };
  if (purge.status !== "succeeded") throw new Error(`purge ended ${purge.status}`);
  const rows = Object.values(purge.certificate.counts.rows).reduce((a, b) => a + b, 0);
  const left = await t.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM memories WHERE org_id = $1", [
    target.orgId,
  ]);
  const bystanderAfter = await t.sql.query<{ n: number }>(
    "SELECT (SELECT count(*) FROM memories WHERE org_id = $1) + (SELECT count(*) FROM session_messages WHERE org_id = $1) AS n",
    [bystander.orgId],
  );
  const { rows: version } = await t.sql.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  const results = {
    date: new Date().toISOString(),
    postgres: version[0]?.v,
    stores: "PostgreSQL (pg, pool of 8), Redis, local S3 (s3rver) over HTTP",
    org: {
      memories: MEMORIES,
      sessions: SESSIONS,
      messages_per_session: MESSAGES,
      objects: SESSIONS,
      agents: 4,
    },
    request_ms: round(requestMs),
    purge_s: round(purgeMs / 1000, 2),
    rows,
    rows_per_s: Math.round(rows / (purgeMs / 1000)),
    objects: purge.certificate.counts.objects,
    keys: purge.certificate.counts.keys,
    batches: purge.progress.batches,
    counts: purge.certificate.counts.rows,
    memories_left: left.rows[0]?.n,
    bystander_untouched: Number(bystanderBefore.rows[0]?.n) === Number(bystanderAfter.rows[0]?.n),
  };
  console.info(JSON.stringify(results, null, 2));
  await writeFile(new URL("./results/purge.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  await t.close();
  await kv.close();
  await s3.stop();
}
