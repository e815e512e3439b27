import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../support/app.js";
import {
  type EmbedderMode,
  type EmbeddingServer,
  startEmbeddingServer,
} from "../support/embedding-server.js";
import {
  type AssemblyOutcome,
  distinctTexts,
  FAULT_ENV,
  type FaultScenario,
  memoryIdOf,
  percentile,
  restOutcome,
  retryUntilAcked,
  sleep,
  startFaultScenario,
  type WriteOutcome,
} from "../support/faults.js";
import { jobProbe } from "../support/jobs.js";

// The app's embedder is the real embedding service over HTTP (EMBEDDER_URL), which
// the tests stop, hang, stall mid-answer or make fail. Memory writes need a vector
// (ADR-0034: an unavailable embedder writes nothing): they answer 503 within
// EMBEDDER_TIMEOUT_MS and leave no trace; AssembleContext degrades in time; once the
// service is back, retried writes are taken once and extraction jobs finish. Stub
// embedders (no HTTP) are in context-degradation.test.ts and jobs.suite.ts.
const TIMEOUT_MS = 500;
// Answers are timed from the client's side on a loaded machine, hence the margin.
const MARGIN_MS = 2_000;

let embedder: EmbeddingServer;
let t: TestApp;
let s: FaultScenario;

beforeAll(async () => {
  embedder = await startEmbeddingServer();
  t = await createTestApp({
    ...FAULT_ENV,
    EMBEDDER_URL: embedder.url,
    EMBEDDER_TIMEOUT_MS: String(TIMEOUT_MS),
    // A failed extraction is retried a second later, not at once within the same drain.
    JOB_RETRY_DELAYS_MS: "1000,1000,1000",
  });
  s = await startFaultScenario(t, "embedder");
});
// A failed case must not leave the service broken for the next one.
afterEach(() => embedder?.up());
afterAll(async () => {
  await s?.close();
  await t?.close();
  await embedder?.close();
});

/** Rows a failed write could leave behind, for the agent's org: memories, versions, audit entries. */
interface Traces {
  memories: number;
  without_vector: number;
  versions: number;
  audit: number;
  counter: number;
}

async function traces(): Promise<Traces> {
  const { rows } = await t.sql.query<Traces>(
    `SELECT (SELECT count(*)::int FROM memories WHERE agent_id = $1) AS memories,
            (SELECT count(*)::int FROM memories WHERE agent_id = $1 AND embedding IS NULL) AS without_vector,
            (SELECT count(*)::int FROM memory_versions v JOIN memories m ON m.id = v.memory_id
              WHERE m.agent_id = $1) AS versions,
            (SELECT count(*)::int FROM audit_log WHERE org_id = $2) AS audit,
            (SELECT total_memories FROM agents WHERE id = $1) AS counter`,
    [s.agent, s.org.orgId],
  );
  const r = rows[0];
  if (!r) throw new Error("no row");
  return {
    memories: Number(r.memories),
    without_vector: Number(r.without_vector),
    versions: Number(r.versions),
    audit: Number(r.audit),
    counter: Number(r.counter),
  };
}

async function timedWrite(run: () => Promise<WriteOutcome>) {
  const started = performance.now();
  const outcome = await run();
  return { outcome, ms: performance.now() - started };
}

const faults: [string, (e: EmbeddingServer) => Promise<void> | void, EmbedderMode | "down"][] = [
  ["stopped (connections refused)", (e) => e.down(), "down"],
  ["hanging (never answers)", (e) => e.set("hang"), "hang"],
  ["stalling mid-answer", (e) => e.set("stall"), "stall"],
  ["answering 503", (e) => e.set("error"), "error"],
];

describe("faults: the embedding service", () => {
  it.each(faults)(
    "%s: writes 503 in time with nothing written, assemblies degrade, then recovery",
    async (label, fail, mode) => {
      const texts = distinctTexts(6, 300 + label.length);
      const bulk = distinctTexts(3, 400 + label.length);
      const existing = await s.remember(`An existing fact before the ${mode} fault.`);
      expect(existing.kind).toBe("acked");
      const existingId = memoryIdOf(existing);
      const before = await traces();

      await fail(embedder);
      const writes = await Promise.all([
        ...texts.map((c) => timedWrite(() => s.remember(c))),
        timedWrite(async () =>
          restOutcome(
            await t.call("POST", `/v1/agents/${s.agent}/memories/bulk`, {
              token: s.org.token,
              body: { items: bulk.map((content) => ({ content, category: "factual" })) },
            }),
          ),
        ),
        timedWrite(async () =>
          restOutcome(
            await t.call("PATCH", `/v1/agents/${s.agent}/memories/${existingId}`, {
              token: s.org.token,
              body: { content: `An edited fact during the ${mode} fault.` },
            }),
          ),
        ),
      ]);
      // Turns are stored without the embedder: session appends are not affected.
      const append = await s.append("rest", `during-${mode}`, "k1", ["hello", "there"]);
      const answers: AssemblyOutcome[] = [];
      for (let i = 0; i < 10; i++) answers.push(await s.assemble("existing fact"));

      expect(writes.map((w) => w.outcome.kind)).toEqual(writes.map(() => "refused"));
      const slowest = Math.max(...writes.map((w) => w.ms));
      expect(slowest).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      expect(await traces()).toEqual(before);
      expect(append.kind).toBe("acked");
      expect(answers.filter((a) => a.error !== null)).toEqual([]);
      expect(answers.filter((a) => a.ms > s.deadlineMs + MARGIN_MS)).toEqual([]);
      expect(answers.filter((a) => a.level === 0)).toEqual([]);
      // Cold search failed or timed out, or was shed after timing out (overloaded).
      const reasons = new Set(answers.flatMap((a) => a.reason.split(",")));
      expect([...reasons].filter((r) => !/^cold_search_(error|timeout)$|^overloaded$/.test(r))).toEqual([]);
      const edited = await t.call("GET", `/v1/agents/${s.agent}/memories/${existingId}`, {
        token: s.org.token,
      });
      expect((await edited.json()).content).toBe(`An existing fact before the ${mode} fault.`);

      await embedder.up();
      for (const c of texts) await retryUntilAcked(() => s.remember(c));
      const again = await t.call("POST", `/v1/agents/${s.agent}/memories/bulk`, {
        token: s.org.token,
        body: { items: bulk.map((content) => ({ content, category: "factual" })) },
      });
      expect(again.status).toBe(207);
      expect((await again.json()).results.map((r: { status: number }) => r.status)).toEqual([201, 201, 201]);
      const copies = await s.copiesOf([...texts, ...bulk]);
      expect([...texts, ...bulk].filter((c) => copies.get(c) !== 1)).toEqual([]);
      const after = await traces();
      expect(after.without_vector).toBe(0);
      expect(after.memories).toBe(before.memories + texts.length + bulk.length);
      let whole = await s.assemble("existing fact");
      for (let i = 0; whole.level !== 0 && i < 50; i++) whole = await s.assemble("existing fact");
      expect(whole).toMatchObject({ level: 0, error: null });

      const ms = answers.map((a) => a.ms);
      console.log(
        `embedder ${label}: ${writes.length} writes (${texts.length} memories, a bulk of ${bulk.length}, an edit) ` +
          `all 503 UNAVAILABLE, slowest ${Math.round(slowest)} ms (timeout ${TIMEOUT_MS} ms), 0 rows written, ` +
          `session append still taken; ${answers.length} assemblies, all in time ` +
          `(p50 ${Math.round(percentile(ms, 50))} ms, max ${Math.round(Math.max(...ms))} ms), ` +
          `all degraded (${[...reasons].join(", ")}); ` +
          `back up: ${texts.length + bulk.length} retried writes taken once, every memory with its vector`,
      );
    },
  );

  it("failing mid-bulk: the items before it stay, a retry adds the rest once", async () => {
    const items = distinctTexts(5, 500).map((content) => ({ content, category: "factual" }));
    embedder.set("error", 2);
    const first = await t.call("POST", `/v1/agents/${s.agent}/memories/bulk`, {
      token: s.org.token,
      body: { items },
    });
    expect((await restOutcome(first)).kind).toBe("refused");
    const kept = await s.copiesOf(items.map((i) => i.content));
    expect([...kept.values()]).toEqual([1, 1]);
    await embedder.up();
    const again = await t.call("POST", `/v1/agents/${s.agent}/memories/bulk`, {
      token: s.org.token,
      body: { items },
    });
    expect(again.status).toBe(207);
    const statuses = (await again.json()).results.map((r: { status: number }) => r.status);
    expect(statuses).toEqual([200, 200, 201, 201, 201]);
    const copies = await s.copiesOf(items.map((i) => i.content));
    expect(items.filter((i) => copies.get(i.content) !== 1)).toEqual([]);
    console.log(
      `embedder failing mid-bulk: a bulk of ${items.length} answered 503 after 2 items were stored; ` +
        `retried: ${statuses.join(",")} (the 2 were duplicates, not stored twice)`,
    );
  });

  it("an extraction job waits out the outage and finishes once, without duplicates", async () => {
    const probe = jobProbe(t, s.org.orgId, s.org.token);
    const sid = "extract-outage";
    const content = "I'm allergic to shellfish. I live in Porto. I prefer aisle seats. I work at Initech.";
    expect((await s.append("rest", sid, "k1", [content])).kind).toBe("acked");
    // One fact is embedded, then the service fails: the job stops after one memory.
    embedder.set("error", 1);
    const done = await (
      await t.call("POST", `/v1/agents/${s.agent}/sessions/${sid}/complete`, { token: s.org.token })
    ).json();
    const jobId = done.job_ids[0] as string;
    const sessionUuid = done.session.session_uuid as string;
    await t.jobWorker.drain();
    const waiting = await probe.job(jobId);
    expect(waiting).toMatchObject({ status: "failed", attempts: 1, last_error: "UNAVAILABLE" });
    expect(await probe.memoriesOf(sessionUuid)).toBe(1);

    await embedder.up();
    await sleep(1_100); // the retry delay
    await t.jobWorker.drain();
    const finished = await probe.job(jobId);
    expect(finished).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(finished.result.already_written).toBe(1);
    expect(finished.result.facts).toBeGreaterThanOrEqual(3);
    expect(await probe.memoriesOf(sessionUuid)).toBe(finished.result.facts);
    await t.jobWorker.drain();
    expect(await probe.memoriesOf(sessionUuid)).toBe(finished.result.facts);
    console.log(
      `embedder down during extraction: job failed (retryable, attempt 1) after 1 of ${finished.result.facts} ` +
        `facts; after recovery it succeeded on attempt 2 with ${finished.result.already_written} skipped, ` +
        `${finished.result.facts} memories in all, none twice`,
    );
  });
});
