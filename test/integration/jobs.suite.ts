import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withOrg } from "../../src/db/tenant.js";
import { claimDueJobs } from "../../src/jobs/claim.js";
import type { JobHandler, JobHandlers } from "../../src/jobs/handlers.js";
import { createJobWorker } from "../../src/jobs/worker.js";
import { AppError } from "../../src/lib/errors.js";
import { uuidv7 } from "../../src/lib/ids.js";
import { createTestApp, newAgent, newOrg, newToken, problem, type TestApp } from "../support/app.js";
import { jobProbe } from "../support/jobs.js";

/** The jobs suite, on the embedded database or the machine's real PostgreSQL. */
export function runJobsSuite(database: "pglite" | "postgres"): void {
  describe(`jobs on ${database}`, () => {
    let t: TestApp;
    let admin: string;
    let orgId: string;
    let probe: ReturnType<typeof jobProbe>;
    let agent: string;

    /** A worker over the app's ledger with its own handlers and no waiting between retries. */
    function workerWith(handler: JobHandler<"memory.extract">) {
      const handlers: JobHandlers = { ...t.services.jobRunner.handlers, "memory.extract": handler };
      return createJobWorker(
        { ...t.services.jobRunner, handlers, retryDelaysMs: [0, 0, 0] },
        { concurrency: 2, leaseSeconds: 60, pollMs: 1000 },
      );
    }

    /** Enqueues one extraction job for a fresh session through the API; returns its id and session. */
    async function queuedJob(sid: string, content = "I live in Oslo and I love skiing.") {
      await t.call("POST", `/v1/agents/${agent}/sessions/${sid}/messages`, {
        token: admin,
        body: { messages: [{ role: "user", content }] },
      });
      const done = await (
        await t.call("POST", `/v1/agents/${agent}/sessions/${sid}/complete`, { token: admin })
      ).json();
      return { jobId: done.job_ids[0] as string, sessionUuid: done.session.session_uuid as string };
    }

    beforeAll(async () => {
      t = await createTestApp({ JOB_RETRY_DELAYS_MS: "0,0,0" }, { database });
      ({ token: admin, orgId } = await newOrg(t, "jobs-org"));
      probe = jobProbe(t, orgId, admin);
      agent = (await newAgent(t, admin, "jobs-agent")).id;
    });
    afterAll(() => t.close());

    describe("running jobs", () => {
      it("runs a queued extraction: succeeded, with a content-free result", async () => {
        const { jobId, sessionUuid } = await queuedJob("run-1");
        const ran = await t.jobWorker.drain();
        expect(ran.succeeded).toBeGreaterThanOrEqual(1);
        const job = await probe.job(jobId);
        expect(job).toMatchObject({ status: "succeeded", attempts: 1, last_error: null });
        expect(job.result).toMatchObject({ extractor: "rules", turns: 1 });
        expect(job.result.created).toBeGreaterThan(0);
        expect(await probe.memoriesOf(sessionUuid)).toBe(job.result.created);
      });

      it("retries retryable failures with backoff, then dead-letters them; replay runs them again", async () => {
        const { jobId } = await queuedJob("retry-1");
        let calls = 0;
        const failing = workerWith(async () => {
          calls += 1;
          throw new AppError("UNAVAILABLE", "upstream down", { retryable: true });
        });
        await failing.drain();
        expect(calls).toBe(4);
        const dead = await probe.job(jobId);
        expect(dead).toMatchObject({
          status: "dead",
          attempts: 4,
          max_attempts: 4,
          last_error: "UNAVAILABLE",
        });
        expect(dead.failures).toHaveLength(1);
        expect(dead.failures[0]).toMatchObject({ error: "UNAVAILABLE", attempts: 4, replayed_at: null });

        const replay = await t.call("POST", `/v1/jobs/${jobId}/replay`, { token: admin });
        expect(replay.status).toBe(200);
        expect(await replay.json()).toMatchObject({ status: "queued", attempts: 0 });
        await t.jobWorker.drain();
        const after = await probe.job(jobId);
        expect(after.status).toBe("succeeded");
        expect(after.failures[0].replayed_at).not.toBeNull();
        const again = await t.call("POST", `/v1/jobs/${jobId}/replay`, { token: admin });
        expect(again.status).toBe(409);
      });

      it("waits between retries: a failed job is not due before its delay", async () => {
        const { jobId } = await queuedJob("retry-wait");
        const handlers: JobHandlers = {
          ...t.services.jobRunner.handlers,
          "memory.extract": async () => {
            throw new AppError("UNAVAILABLE", "down", { retryable: true });
          },
        };
        const slow = createJobWorker(
          { ...t.services.jobRunner, handlers, retryDelaysMs: [60_000, 60_000, 60_000] },
          { concurrency: 1, leaseSeconds: 60, pollMs: 1000 },
        );
        await slow.drain();
        const job = await probe.job(jobId);
        expect(job).toMatchObject({ status: "failed", attempts: 1 });
        expect(Date.parse(job.run_at) - Date.now()).toBeGreaterThan(50_000);
        // Not due: nothing is claimed.
        await slow.drain();
        expect((await probe.job(jobId)).attempts).toBe(1);
        await withOrg(t.sql, orgId, (tx) =>
          tx.query("UPDATE jobs SET run_at = now() WHERE id = $1", [jobId]),
        );
        await t.jobWorker.drain();
        expect((await probe.job(jobId)).status).toBe("succeeded");
      });

      it("dead-letters a non-retryable failure at once", async () => {
        const { jobId } = await queuedJob("fatal-1");
        let calls = 0;
        await workerWith(async () => {
          calls += 1;
          throw new AppError("INVALID_ARGUMENT", "bad");
        }).drain();
        expect(calls).toBe(1);
        expect(await probe.job(jobId)).toMatchObject({
          status: "dead",
          attempts: 1,
          last_error: "INVALID_ARGUMENT",
        });
      });

      it.each([
        ["an unknown type", "memory.nonsense", 1, {}],
        ["an unknown version", "memory.extract", 9, { agent_id: uuidv7(), session_id: uuidv7() }],
        ["a payload that fails its schema", "memory.extract", 1, { agent_id: "nope" }],
        [
          "a payload with an unknown field",
          "memory.extract",
          1,
          { agent_id: uuidv7(), session_id: uuidv7(), x: 1 },
        ],
      ])("sends a message with %s straight to the dead letters", async (_label, type, version, payload) => {
        const id = uuidv7();
        await withOrg(t.sql, orgId, (tx) =>
          tx.query(
            `INSERT INTO jobs (id, org_id, type, version, payload, dedup_key, max_attempts)
             VALUES ($1, $2, $3, $4, $5, $6, 4)`,
            [id, orgId, type, version, JSON.stringify(payload), `bad:${id}`],
          ),
        );
        await t.jobWorker.drain();
        const job = await probe.job(id);
        expect(job).toMatchObject({ status: "dead", attempts: 1 });
        expect(job.last_error).toMatch(/^invalid_message:/);
        expect(job.failures).toHaveLength(1);
      });

      it("retries a job whose worker died after the effect and before the acknowledgement, with no double effect", async () => {
        const { jobId, sessionUuid } = await queuedJob(
          "crash-1",
          "My sister Anna lives in Berlin. I hate olives.",
        );
        // A worker claims the job, runs it (the effect), and dies before settling it.
        const [claimed] = await claimDueJobs(t.sql, 1, 60);
        expect(claimed?.id).toBe(jobId);
        const handler = t.services.jobRunner.handlers["memory.extract"];
        const first = await handler(
          { jobId, orgId, attempt: 1 },
          claimed?.payload as { agent_id: string; session_id: string },
        );
        const written = await probe.memoriesOf(sessionUuid);
        expect(written).toBe(first.created);
        expect(written).toBeGreaterThan(0);
        // Its lease runs out; another worker takes the job over.
        await withOrg(t.sql, orgId, (tx) =>
          tx.query("UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = $1", [jobId]),
        );
        await t.jobWorker.drain();
        const job = await probe.job(jobId);
        expect(job).toMatchObject({ status: "succeeded", attempts: 2 });
        expect(job.result).toMatchObject({ created: 0 });
        expect(await probe.memoriesOf(sessionUuid)).toBe(written);
      });

      it("resumes an extraction interrupted between two memories of one turn without duplicating or skipping", async () => {
        const content =
          "I'm allergic to shellfish. I live in Porto. I prefer aisle seats. I work at Initech.";
        const { jobId, sessionUuid } = await queuedJob("partial-1", content);
        // The embedder fails on its third call: two memories are written, then the run fails.
        let embeds = 0;
        const real = t.services.embedder;
        const flaky = {
          ...real,
          embed: async (text: string) => {
            embeds += 1;
            if (embeds === 3) throw new AppError("UNAVAILABLE", "embedder down", { retryable: true });
            return real.embed(text);
          },
        };
        const handler = t.services.jobRunner.handlers["memory.extract"];
        const { extractSession } = await import("../../src/extraction/extract-session.js");
        const flakyHandler: JobHandler<"memory.extract"> = async (run, payload) => ({
          ...(await extractSession(
            { ...t.services, embedder: flaky, config: t.services.memoryConfig },
            run,
            payload,
          )),
        });
        await workerWith(async (run, payload) =>
          run.attempt === 1 ? flakyHandler(run, payload) : handler(run, payload),
        ).drain();
        const job = await probe.job(jobId);
        expect(job.status).toBe("succeeded");
        expect(job.attempts).toBe(2);
        expect(job.result.already_written).toBe(2);
        // Every fact is in the session once: the two written before the failure were skipped, the rest added.
        expect(job.result.facts).toBeGreaterThanOrEqual(3);
        expect(await probe.memoriesOf(sessionUuid)).toBe(job.result.facts);
        expect(job.result.created).toBe(job.result.facts - 2);
        const session = await (
          await t.call("GET", `/v1/agents/${agent}/sessions/partial-1`, { token: admin })
        ).json();
        expect(session.last_extracted_turn).toBe(0);
      });

      it("running one job 1,000 times creates no duplicate memory", async () => {
        const { jobId, sessionUuid } = await queuedJob(
          "redeliver-1",
          "I am vegetarian and I use Neovim for coding.",
        );
        await t.jobWorker.drain();
        const once = await probe.memoriesOf(sessionUuid);
        expect(once).toBeGreaterThan(0);
        const before = await withOrg(t.sql, orgId, (tx) =>
          tx.query<{ n: number }>("SELECT count(*)::int AS n FROM memories WHERE org_id = $1", [orgId]),
        );
        for (let i = 0; i < 1000; i++) {
          await withOrg(t.sql, orgId, (tx) =>
            tx.query("UPDATE jobs SET status = 'queued', run_at = now() WHERE id = $1", [jobId]),
          );
          await t.jobWorker.drain(1);
        }
        const after = await withOrg(t.sql, orgId, (tx) =>
          tx.query<{ n: number }>("SELECT count(*)::int AS n FROM memories WHERE org_id = $1", [orgId]),
        );
        expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
        expect(await probe.memoriesOf(sessionUuid)).toBe(once);
        expect((await probe.job(jobId)).attempts).toBe(1001);
      }, 120_000);

      it("lets concurrent workers share the ledger: each job runs once (SKIP LOCKED)", async () => {
        const ids: string[] = [];
        for (let i = 0; i < 12; i++)
          ids.push((await queuedJob(`shared-${i}`, `I live in town number ${i}.`)).jobId);
        const a = workerWith(t.services.jobRunner.handlers["memory.extract"]);
        const b = workerWith(t.services.jobRunner.handlers["memory.extract"]);
        await Promise.all([a.drain(), b.drain(), t.jobWorker.drain()]);
        for (const id of ids) expect(await probe.job(id)).toMatchObject({ status: "succeeded", attempts: 1 });
      });

      it("does nothing for a session deleted before its job ran", async () => {
        const { jobId } = await queuedJob("gone-1");
        await t.call("DELETE", `/v1/agents/${agent}/sessions/gone-1`, { token: admin });
        await t.jobWorker.drain();
        expect(await probe.job(jobId)).toMatchObject({
          status: "succeeded",
          result: { skipped: "session_gone" },
        });
      });
    });

    describe("operator routes", () => {
      it("lists with filters and a cursor", async () => {
        const all = await (await t.call("GET", "/v1/jobs?limit=2", { token: admin })).json();
        expect(all.items).toHaveLength(2);
        expect(all.next_cursor).not.toBeNull();
        const next = await (
          await t.call("GET", `/v1/jobs?limit=2&cursor=${all.next_cursor}`, { token: admin })
        ).json();
        expect(next.items[0].id < all.items[1].id).toBe(true);
        const dead = await (await t.call("GET", "/v1/jobs?status=dead&limit=100", { token: admin })).json();
        expect(dead.items.length).toBeGreaterThan(0);
        expect(dead.items.every((j: { status: string }) => j.status === "dead")).toBe(true);
        const typed = await (
          await t.call("GET", "/v1/jobs?type=memory.extract&limit=100", { token: admin })
        ).json();
        expect(typed.items.every((j: { type: string }) => j.type === "memory.extract")).toBe(true);
        expect((await t.call("GET", "/v1/jobs?status=bogus", { token: admin })).status).toBe(400);
        expect((await t.call("GET", "/v1/jobs?cursor=zzz", { token: admin })).status).toBe(400);
      });

      it("keeps jobs to their org and to org-wide tokens with job scopes", async () => {
        const { jobId } = await queuedJob("scoped-1");
        const other = await newOrg(t, "jobs-other");
        const res = await t.call("GET", `/v1/jobs/${jobId}`, { token: other.token });
        expect(res.status).toBe(404);
        expect((await problem(res)).code).toBe("NOT_FOUND");
        const foreign = await (await t.call("GET", "/v1/jobs?limit=100", { token: other.token })).json();
        expect(foreign.items).toEqual([]);
        expect((await t.call("POST", `/v1/jobs/${jobId}/replay`, { token: other.token })).status).toBe(404);
        const reader = (await newToken(t, admin, { preset: "read-only" })).token;
        expect((await t.call("GET", `/v1/jobs/${jobId}`, { token: reader })).status).toBe(200);
        expect((await t.call("POST", `/v1/jobs/${jobId}/replay`, { token: reader })).status).toBe(403);
        const bound = (await newToken(t, admin, { scopes: ["job:read"], agent_id: agent })).token;
        expect((await t.call("GET", "/v1/jobs", { token: bound })).status).toBe(403);
        const gateway = (await newToken(t, admin, { preset: "gateway" })).token;
        expect((await t.call("GET", "/v1/jobs", { token: gateway })).status).toBe(403);
        expect((await t.call("GET", "/v1/jobs")).status).toBe(401);
        expect((await t.call("GET", "/v1/jobs/not-a-uuid", { token: admin })).status).toBe(400);
      });

      it("answers 404 on the delivery webhook when no publishing transport is configured", async () => {
        const res = await t.call("POST", "/v1/jobs/deliver", { body: { job_id: uuidv7() } });
        expect(res.status).toBe(404);
      });
    });
  });
}
