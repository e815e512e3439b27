import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toBinary } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { serve } from "@hono/node-server";
import { createApp } from "../../src/app.js";
import { retrieveCold } from "../../src/context/retrieve.js";
import { warmTokenizers } from "../../src/context/tokenizer.js";
import { migrate } from "../../src/db/migrate.js";
import { loadMigrations } from "../../src/db/migrations-fs.js";
import { withOrg } from "../../src/db/tenant.js";
import { localEmbed } from "../../src/embedding/local-embedder.js";
import { parseConfig } from "../../src/env.js";
import {
  AssembleContextResponseSchema,
  ContextAssemblyService,
} from "../../src/gen/ibex/context/v1/context_pb.js";
import { uuidv7 } from "../../src/lib/ids.js";
import { createLogger } from "../../src/lib/logger.js";
import { reconcileHotSet } from "../../src/memory/hot-set.js";
import { createNodeRuntime } from "../../src/node-services.js";
import { bootstrap } from "../../src/orgs/bootstrap.js";
import { startGrpcServer } from "../../src/rpc/grpc-server.js";
import { rpcFirst } from "../../src/rpc/node-listener.js";
import { startFloorServers } from "./context-floor.js";
import { load, loadOnce, type Target, wrkPhase } from "./context-load-runner.js";
import { sentence } from "./corpus.js";

// AssembleContext under load (targets.md "Context assembly"): the Node server wiring
// (PGlite on disk, in-process cache and embedder), one agent with N memories, a
// directive and a warm hot set; Connect clients in a separate process.
const N = Number(process.env.N ?? 100_000);
const SECONDS = Number(process.env.SECONDS ?? 60);
const SWEEP_SECONDS = Number(process.env.SWEEP_SECONDS ?? 10);
const RATES = (process.env.RATES ?? "50,100,150,200,300,400,500,600").split(",").map(Number);
// PHASES=connect-50,wrk-50,floor-50 runs only the named load phases; OUT writes the result elsewhere.
const PHASES = process.env.PHASES?.split(",");
const OUT = process.env.OUT ?? "test/bench/results/context-load.json";
const wanted = (name: string) => !PHASES || PHASES.includes(name);
// RPC_VIA=app serves RPC through the Hono app's mount (as Workers do) instead of Connect's Node adapter.
const RPC_VIA_APP = process.env.RPC_VIA === "app";

const config = (dataDir: string) =>
  parseConfig({
    ENGRAM_DATA_DIR: dataDir,
    LOG_LEVEL: "error",
    RATE_LIMIT_TOKEN_PER_MINUTE: "1000000",
    RATE_LIMIT_ORG_PER_MINUTE: "10000000",
    // The embedded database's page cache, as a deployment would set it.
    ...(process.env.PGLITE_SHARED_BUFFERS_MB
      ? { PGLITE_SHARED_BUFFERS_MB: process.env.PGLITE_SHARED_BUFFERS_MB }
      : {}),
  });

interface Seeded {
  token: string;
  orgId: string;
  agentId: string;
  seedS: number;
}

/** Seeds `dataDir` with one agent holding N memories and its HNSW index. */
async function seedInto(dataDir: string): Promise<Seeded> {
  const runtime = await createNodeRuntime(config(dataDir), createLogger("error"));
  const { sql } = runtime.services;
  await migrate(sql, await loadMigrations());
  const boot = await bootstrap(sql, runtime.services.pepper);
  const orgId = boot.orgId;
  const agentId = uuidv7();
  await withOrg(sql, orgId, (tx) =>
    tx.query("INSERT INTO agents (id, org_id, name, slug) VALUES ($1, $2, 'Load', 'load')", [agentId, orgId]),
  );
  const t0 = performance.now();
  await sql.exec("DROP INDEX IF EXISTS memories_embedding_hnsw_idx");
  for (let done = 0; done < N; done += 1000) {
    const batch = Array.from({ length: Math.min(1000, N - done) }, (_, i) => sentence(done + i));
    await withOrg(sql, orgId, (tx) =>
      tx.query(
        `INSERT INTO memories (id, org_id, agent_id, content, content_hash, embedding, category, usefulness)
         SELECT i, $1, $2, c, encode(sha256(c::bytea), 'hex'), v::vector,
                (ARRAY['factual','preference','procedural','behavioral','episodic'])[1 + (random() * 4)::int], random()
           FROM unnest($3::uuid[], $4::text[], $5::text[]) AS t(i, c, v)`,
        [orgId, agentId, batch.map(() => uuidv7()), batch, batch.map((c) => `[${localEmbed(c).join(",")}]`)],
      ),
    );
  }
  await sql.exec("SET maintenance_work_mem = '512MB'");
  await sql.exec(`CREATE INDEX memories_embedding_hnsw_idx ON memories USING hnsw (embedding vector_cosine_ops)
    WITH (m = 16, ef_construction = 64) WHERE status = 'active' AND deleted_at IS NULL`);
  await sql.exec("ANALYZE");
  const seeded = { token: boot.mintedToken ?? "", orgId, agentId, seedS: (performance.now() - t0) / 1000 };
  await runtime.close();
  return seeded;
}

// SEED_DIR keeps a seeded database between runs (each run works on a copy of it).
const dir = await mkdtemp(join(tmpdir(), "engram-load-"));
let seeded: Seeded;
if (process.env.SEED_DIR) {
  const seedFile = join(process.env.SEED_DIR, "seed.json");
  if (!existsSync(seedFile)) {
    await mkdir(process.env.SEED_DIR, { recursive: true });
    await writeFile(seedFile, JSON.stringify(await seedInto(process.env.SEED_DIR)));
  }
  seeded = JSON.parse(await readFile(seedFile, "utf8")) as Seeded;
  await cp(process.env.SEED_DIR, dir, { recursive: true });
} else {
  seeded = await seedInto(dir);
}
const { token, orgId, agentId, seedS } = seeded;
const runtime = await createNodeRuntime(config(dir), createLogger("error"));
const { services } = runtime;
const { sql } = services;

// Answers by degradation level, counted where the server records each assembly: wrk
// does not read the bodies.
const answeredByLevel: Record<number, number> = {};
const record = services.usage.add.bind(services.usage);
services.usage.add = (event) => {
  answeredByLevel[event.degradationLevel] = (answeredByLevel[event.degradationLevel] ?? 0) + 1;
  record(event);
};

const app = createApp(() => services);
const directive = await app.request(`/v1/agents/${agentId}/directive`, {
  method: "PUT",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  body: JSON.stringify({ content: "You are the assistant of a busy team. Be brief and precise. ".repeat(8) }),
});
if (directive.status !== 200) throw new Error(`directive: ${directive.status}`);
await reconcileHotSet(sql, services.kv, services.memoryConfig, orgId, agentId);
await warmTokenizers();

const http = await new Promise<{ url: string; close(): void }>((resolve) => {
  const server = serve(
    {
      fetch: app.fetch,
      port: 0,
      hostname: "127.0.0.1",
      ...(RPC_VIA_APP ? {} : { createServer: rpcFirst(services) }),
    },
    (info) => resolve({ url: `http://127.0.0.1:${info.port}`, close: () => server.close() }),
  );
});
const grpc = await startGrpcServer(services, 0, "127.0.0.1");

const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;

const target: Target = { httpUrl: http.url, grpcUrl: `http://127.0.0.1:${grpc.port}`, token, agentId };

// Side by side in one run: one client at a time through Connect, and the bare ANN query,
// after a warm-up (JIT, page cache) whose figures are dropped.
// Both in one client process, so the client's own warm-up counts too.
const [, sequential] = await loadOnce(target, [
  { name: "warm-up", transport: "connect", concurrency: 1, seconds: 5 },
  { name: "sequential", transport: "connect", concurrency: 1, seconds: 10 },
]);
const ann: number[] = [];
for (let i = 0; i < 300; i++) {
  const v = localEmbed(sentence(10_000_000 + i));
  const a = performance.now();
  await retrieveCold({ sql }, orgId, agentId, v, 50);
  ann.push(performance.now() - a);
}
const annP50 = q(ann, 0.5);

const main = await load(
  target,
  [
    // Open loop first, on a fresh server: arrivals at a fixed rate over up to 50
    // connections, as a gateway's traffic (its capacity, before any overload backlog).
    ...RATES.map((rate) => ({
      name: `rate-${rate}`,
      transport: "connect" as const,
      concurrency: 50,
      rate,
      seconds: SWEEP_SECONDS,
    })),
    // The gate's closed loops, each after a 10-s warm-up at the same load (JIT, pools).
    {
      name: "connect-50",
      transport: "connect" as const,
      concurrency: 50,
      seconds: SECONDS,
      warmUpSeconds: 10,
    },
    {
      name: "grpc-50",
      transport: "grpc" as const,
      concurrency: 50,
      seconds: Math.min(SECONDS, 20),
      warmUpSeconds: 10,
    },
    ...[10, 25, 100].map((c) => ({
      name: `sweep-${c}`,
      transport: "connect" as const,
      concurrency: c,
      seconds: SWEEP_SECONDS,
    })),
  ].filter((p) => wanted(p.name)),
);

// The same closed loop from wrk (C) when it is installed: how much of the tail is the client's.
const wrk = wanted("wrk-50") ? await wrkPhase(target, SECONDS, () => ({ ...answeredByLevel })) : null;

// The floors: the same Node client at 50 concurrent against servers that do no work
// (context-floor.ts), answering with a real answer of the kind this load gets (directive
// and hot set).
const floors = wanted("floor-50") ? await floorPhases() : null;

async function floorPhases() {
  const client = createClient(
    ContextAssemblyService,
    createConnectTransport({ baseUrl: http.url, httpVersion: "1.1", useBinaryFormat: true }),
  );
  const answer = await client.assembleContext(
    {
      agentId,
      sessionId: "floor",
      query: sentence(20_000_000),
      model: "gpt-4o",
      recentMessages: [{ role: "user", content: sentence(20_000_000) }],
      options: { skipColdMemories: true },
    },
    { headers: { authorization: `Bearer ${token}` } },
  );
  const bytes = toBinary(AssembleContextResponseSchema, answer);
  const servers = await startFloorServers(bytes);
  const phase = (name: string) => ({
    name,
    transport: "connect" as const,
    concurrency: 50,
    seconds: Math.min(SECONDS, 20),
    warmUpSeconds: 5,
  });
  try {
    const [plain] = await load({ ...target, httpUrl: servers.httpUrl }, [phase("floor-http-50")]);
    const [connect] = await load({ ...target, httpUrl: servers.connectUrl }, [phase("floor-connect-50")]);
    return { answer_bytes: bytes.byteLength, answer_level: answer.degradationLevel, http: plain, connect };
  } finally {
    await servers.close();
  }
}

const result = {
  n: N,
  seed_s: Number(seedS.toFixed(1)),
  deadline_ms: services.config.CONTEXT_DEADLINE_MS,
  bare_ann_ms: { p50: Number(annP50.toFixed(2)), p95: Number(q(ann, 0.95).toFixed(2)) },
  sequential,
  overhead_ratio: Number((Number(sequential?.p50_ms) / annP50).toFixed(2)),
  phases: main,
  wrk,
  floors,
  at: new Date().toISOString(),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
await writeFile(OUT, `${JSON.stringify(result, null, 2)}\n`);
http.close();
await grpc.close();
await runtime.close();
await rm(dir, { recursive: true, force: true });
process.exit(0);
