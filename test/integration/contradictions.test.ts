import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryKeyValue } from "../../src/adapters/in-memory/key-value.js";
import { openPglite } from "../../src/adapters/pglite/open.js";
import { createPgliteSqlClient } from "../../src/adapters/pglite/sql-client.js";
import { migrate } from "../../src/db/migrate.js";
import { loadMigrations } from "../../src/db/migrations-fs.js";
import type { SqlClient } from "../../src/db/ports.js";
import { withOrg } from "../../src/db/tenant.js";
import { createLocalEmbedder } from "../../src/embedding/local.js";
import { createLogger } from "../../src/lib/logger.js";
import type { MemoryCategory } from "../../src/memory/categories.js";
import { DEFAULT_MEMORY_CONFIG } from "../../src/memory/config.js";
import { cosine } from "../../src/memory/vectors.js";
import { type AddMemoryDeps, addMemory } from "../../src/memory/write/add-memory.js";
import type { ConflictJudge } from "../../src/memory/write/conflict.js";
import {
  MAX_CONFLICT_CANDIDATES,
  readConflictCandidates,
} from "../../src/memory/write/conflict-candidates.js";
import { createHeuristicJudge } from "../../src/memory/write/heuristic-judge.js";
import { seedTenant } from "../support/tenant.js";

/**
 * A labelled pair (test/fixtures/contradictions.json); labels were written before the
 * rules were tuned. `batch` is when it was written (ADR-0037): 1 before the
 * implementation, 2 after the first version (measured, then used to fix general
 * gaps), 3 last (measured once).
 */
interface Pair {
  existing: string;
  incoming: string;
  category: MemoryCategory;
  contradicts: boolean;
  batch?: number;
}

const PAIRS: Pair[] = JSON.parse(
  readFileSync(new URL("../fixtures/contradictions.json", import.meta.url), "utf8"),
) as Pair[];

// Measured 66/68 caught (0.971) and 0/68 wrongly superseded (ADR-0037, "Subject-aware
// candidates"); the floors sit just outside, and inside the targets (≥ 0.90, ≤ 0.05).
const CAUGHT_FLOOR = 0.95;
const WRONGLY_SUPERSEDED_CEILING = 0.02;

let sql: SqlClient;

beforeAll(async () => {
  sql = createPgliteSqlClient(await openPglite(), { ownsDb: true });
  await migrate(sql, await loadMigrations());
});
afterAll(() => sql.close());

const embedder = createLocalEmbedder();

function deps(): AddMemoryDeps {
  return {
    sql,
    embedder,
    judge: createHeuristicJudge(),
    kv: createMemoryKeyValue(),
    logger: createLogger("error", () => {}),
    config: DEFAULT_MEMORY_CONFIG,
  };
}

interface Outcome {
  /** The existing memory's status after the incoming write. */
  existingStatus: string;
  /** The incoming memory's status. */
  incomingStatus: string;
  /** A `contradicts` link from the incoming memory to the existing one. */
  contradictsLink: boolean;
}

/** Writes `existing` then `incoming` into a fresh agent through the real pipeline. */
async function run(pair: Pair): Promise<Outcome> {
  const t = await seedTenant(sql);
  const scope = { orgId: t.orgId, agentId: t.agentId, changedBy: "user" as const };
  const d = deps();
  const old = await addMemory(d, scope, { content: pair.existing, category: pair.category });
  const fresh = await addMemory(d, scope, { content: pair.incoming, category: pair.category });
  return withOrg(sql, t.orgId, async (tx) => {
    const { rows } = await tx.query<{ status: string }>("SELECT status FROM memories WHERE id = $1", [
      old.memory.id,
    ]);
    const links = await tx.query(
      "SELECT 1 FROM memory_relationships WHERE source_id = $1 AND target_id = $2 AND relation = 'contradicts'",
      [fresh.memory.id, old.memory.id],
    );
    return {
      existingStatus: rows[0]?.status ?? "missing",
      incomingStatus: fresh.memory.status,
      contradictsLink: links.rows.length > 0,
    };
  });
}

const caught = (o: Outcome) =>
  o.existingStatus === "superseded" || (o.incomingStatus === "pending_review" && o.contradictsLink);

describe("contradictions through the write pipeline (embedded embedder and heuristic judge)", () => {
  it("the labelled set has enough pairs of each kind", () => {
    expect(PAIRS.length).toBeGreaterThanOrEqual(50);
    expect(PAIRS.filter((p) => p.contradicts).length).toBeGreaterThanOrEqual(25);
    expect(PAIRS.filter((p) => !p.contradicts).length).toBeGreaterThanOrEqual(25);
  });

  it("a favourite colour that changes supersedes the old one even below the cosine threshold", async () => {
    const existing = "The user's favourite colour is blue";
    const incoming = "The user's favourite colour is now green, not blue";
    // The reason this case exists: the lexical embedder puts the pair under 0.85.
    const similarity = cosine(await embedder.embed(existing), await embedder.embed(incoming));
    expect(similarity).toBeLessThan(DEFAULT_MEMORY_CONFIG.conflict);
    const o = await run({ existing, incoming, category: "preference", contradicts: true });
    expect(o).toEqual({ existingStatus: "superseded", incomingStatus: "active", contradictsLink: true });
  });

  it("finds a memory about the same subject when no word is shared, among many others", async () => {
    const t = await seedTenant(sql);
    const scope = { orgId: t.orgId, agentId: t.agentId, changedBy: "user" as const };
    const d = deps();
    const old = await addMemory(d, scope, { content: "The user's manager is Priya", category: "factual" });
    // Newer memories that mention the manager too (distinct enough not to merge).
    const topics = ["budget", "roadmap", "hiring", "offsite", "review", "launch", "migration", "audit"];
    const verbs = ["approved", "questioned", "postponed", "praised", "rejected"];
    for (const topic of topics) {
      for (const verb of verbs) {
        await addMemory(d, scope, {
          content: `The user's manager ${verb} the ${topic} plan`,
          category: "factual",
        });
      }
    }
    const active = await withOrg(sql, t.orgId, async (tx) => {
      const { rows } = await tx.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM memories WHERE status = 'active' AND content LIKE '%manager%'",
      );
      return rows[0]?.n ?? 0;
    });
    expect(active).toBeGreaterThan(30);
    const incoming = "The user's boss is now Tom";
    // The full-text subject read alone finds it: with a vector that points elsewhere,
    // the nearest neighbours do not.
    const elsewhere = await embedder.embed("Tomatoes need six hours of sun in the vegetable garden");
    const reads = await readConflictCandidates(
      sql,
      scope,
      { content: incoming, category: "factual", embedding: elsewhere },
      DEFAULT_MEMORY_CONFIG.conflict,
    );
    expect(reads.nearest.map((c) => c.id)).not.toContain(old.memory.id);
    expect(reads.conflict).toEqual([expect.objectContaining({ id: old.memory.id, reason: "subject" })]);
    const r = await addMemory(d, scope, { content: incoming, category: "factual" });
    expect(r).toMatchObject({ outcome: "created", superseded: [old.memory.id] });
  });

  it("asks the judge about a bounded number of memories", async () => {
    const t = await seedTenant(sql);
    const scope = { orgId: t.orgId, agentId: t.agentId, changedBy: "user" as const };
    const heuristic = createHeuristicJudge();
    let calls = 0;
    const counting: ConflictJudge = {
      judge: (a, b) => {
        calls++;
        return heuristic.judge(a, b);
      },
    };
    const d = { ...deps(), judge: counting };
    for (const city of [
      "Paris",
      "Lyon",
      "Nice",
      "Lille",
      "Nantes",
      "Rennes",
      "Dijon",
      "Metz",
      "Brest",
      "Tours",
    ]) {
      await addMemory(d, scope, { content: `The user's friend lives in ${city}`, category: "factual" });
    }
    calls = 0;
    await addMemory(d, scope, { content: "The user's friend now lives in Lisbon", category: "factual" });
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(MAX_CONFLICT_CANDIDATES);
  });

  it("catches contradicting pairs and does not supersede compatible ones", async () => {
    const results: { pair: Pair; outcome: Outcome }[] = [];
    for (const pair of PAIRS) results.push({ pair, outcome: await run(pair) });

    const figures = (rs: typeof results) => {
      const yes = rs.filter((r) => r.pair.contradicts);
      const no = rs.filter((r) => !r.pair.contradicts);
      const hits = yes.filter((r) => caught(r.outcome));
      const wrong = no.filter((r) => r.outcome.existingStatus === "superseded");
      return {
        yes,
        no,
        hits,
        superseded: hits.filter((r) => r.outcome.existingStatus === "superseded").length,
        wrong,
        review: no.filter(
          (r) => r.outcome.existingStatus !== "superseded" && r.outcome.incomingStatus === "pending_review",
        ),
        caughtRate: hits.length / Math.max(1, yes.length),
        wrongRate: wrong.length / Math.max(1, no.length),
      };
    };
    const all = figures(results);
    const text = (r: { pair: Pair; outcome: Outcome }) =>
      `${r.pair.existing} -> ${r.pair.incoming} (${r.outcome.existingStatus}/${r.outcome.incomingStatus})`;
    const batches = [...new Set(PAIRS.map((p) => p.batch ?? 0))].sort();
    const lines = [
      `contradictions: ${PAIRS.length} pairs (${all.yes.length} contradicting, ${all.no.length} compatible)`,
      `  caught ${all.hits.length}/${all.yes.length} = ${all.caughtRate.toFixed(3)} (superseded ${all.superseded}, review ${all.hits.length - all.superseded})`,
      `  wrongly superseded ${all.wrong.length}/${all.no.length} = ${all.wrongRate.toFixed(3)}`,
      `  compatible sent to review ${all.review.length}/${all.no.length}`,
      ...batches.map((b) => {
        const f = figures(results.filter((r) => (r.pair.batch ?? 0) === b));
        return `  batch ${b}: caught ${f.hits.length}/${f.yes.length}, wrongly superseded ${f.wrong.length}/${f.no.length}, review ${f.review.length}/${f.no.length}`;
      }),
      ...all.yes.filter((r) => !caught(r.outcome)).map((r) => `  missed: ${text(r)}`),
      ...all.wrong.map((r) => `  wrongly superseded: ${text(r)}`),
      ...all.review.map((r) => `  sent to review: ${text(r)}`),
    ];
    console.log(lines.join("\n"));
    expect(all.caughtRate).toBeGreaterThanOrEqual(CAUGHT_FLOOR);
    expect(all.wrongRate).toBeLessThanOrEqual(WRONGLY_SUPERSEDED_CEILING);
  }, 120_000);
});
