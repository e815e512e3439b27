import { Client } from "@upstash/qstash";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createQstashPublisher,
  deduplicationId,
  retryDelayExpression,
} from "../../src/adapters/qstash/publisher.js";
import { createQstashVerifier } from "../../src/adapters/qstash/verifier.js";
import { deliveryBody } from "../../src/jobs/enqueue.js";
import type { JobRef } from "../../src/jobs/ports.js";
import { isAppError } from "../../src/lib/errors.js";
import { createTestApp, newAgent, newOrg, problem, type TestApp } from "../support/app.js";
import { jobProbe } from "../support/jobs.js";
import {
  evalRetryDelay,
  type QstashServer,
  type SigningMode,
  startQstashServer,
} from "../support/qstash-server.js";
import { serveOnLoopback } from "../support/serve.js";

const DEFAULT_DELAYS = [1_000, 10_000, 100_000];

describe("QStash adapters", () => {
  let qstash: QstashServer;
  beforeAll(async () => {
    qstash = await startQstashServer();
  });
  afterAll(() => qstash.stop());

  const ref = (key: string): JobRef => ({
    id: "0190a000-0000-7000-8000-000000000001",
    orgId: "0190a000-0000-7000-8000-000000000002",
    type: "memory.extract",
    version: 1,
    payload: {},
    key,
    created: true,
  });

  it("turns the retry delays into a retryDelay expression that gives each delay back", () => {
    expect(retryDelayExpression(DEFAULT_DELAYS)).toBe("pow(10, retried) * 1000");
    expect(retryDelayExpression([0, 0, 0])).toBe("0");
    expect(retryDelayExpression([5_000])).toBe("5000");
    expect(retryDelayExpression([])).toBeUndefined();
    for (const delays of [
      DEFAULT_DELAYS,
      [0, 0, 0],
      [5_000],
      [500, 1_000, 2_000, 4_000],
      [250, 4_000, 4_000, 60_000],
      [0, 30_000, 0, 1, 86_400_000],
    ]) {
      const expr = retryDelayExpression(delays) ?? "";
      expect(delays.map((_, retried) => evalRetryDelay(expr, retried))).toEqual(delays);
    }
  });

  it("uses the job key as the deduplication id, or a stable hex hash when QStash would refuse it", async () => {
    expect(await deduplicationId("plain-key_01")).toBe("plain-key_01");
    const hashed = await deduplicationId("memory.extract:0190a000-0000-7000-8000-000000000003:4");
    expect(hashed).toMatch(/^[0-9a-f]{64}$/);
    expect(await deduplicationId("memory.extract:0190a000-0000-7000-8000-000000000003:4")).toBe(hashed);
    expect(await deduplicationId("memory.extract:0190a000-0000-7000-8000-000000000003:5")).not.toBe(hashed);
    expect(await deduplicationId("x".repeat(101))).toMatch(/^[0-9a-f]{64}$/);
  });

  it("maps publish failures to a retryable UNAVAILABLE without the token", async () => {
    const token = "secret-token-never-in-messages";
    const failures = [
      // Refused by QStash (wrong token).
      createQstashPublisher({
        token,
        baseUrl: qstash.url,
        destination: "http://127.0.0.1:9/v1/jobs/deliver",
        retryDelaysMs: DEFAULT_DELAYS,
      }),
      // Nothing listening.
      createQstashPublisher({
        token,
        baseUrl: "http://127.0.0.1:9",
        destination: "http://127.0.0.1:9/v1/jobs/deliver",
        retryDelaysMs: DEFAULT_DELAYS,
      }),
      // The injected fetch throws.
      createQstashPublisher({
        token,
        baseUrl: qstash.url,
        destination: "http://127.0.0.1:9/v1/jobs/deliver",
        retryDelaysMs: DEFAULT_DELAYS,
        fetch: async () => {
          throw new TypeError("fetch failed");
        },
      }),
    ];
    for (const publisher of failures) {
      const err = await publisher.publish(ref("k-1")).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isAppError(err)).toBe(true);
      expect(err).toMatchObject({ code: "UNAVAILABLE", retryable: true });
      expect(String((err as Error).message)).not.toContain(token);
    }
  });

  it("publishes through the injected fetch", async () => {
    const urls: string[] = [];
    const publisher = createQstashPublisher({
      token: qstash.token,
      baseUrl: qstash.url,
      destination: "http://127.0.0.1:9/v1/jobs/deliver",
      retryDelaysMs: [0],
      fetch: (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
    });
    await publisher.publish(ref("injected-fetch"));
    expect(urls).toEqual([`${qstash.url}/v2/publish/http://127.0.0.1:9/v1/jobs/deliver`]);
    expect(qstash.publishes.at(-1)).toMatchObject({
      // Prefixed with the org, so hashed.
      deduplicationId: await deduplicationId("0190a000-0000-7000-8000-000000000002:injected-fetch"),
      retries: 1,
      status: 201,
    });
    await qstash.idle();
  });

  it("verifies with the current or next key and answers false, never throwing, otherwise (JV1)", async () => {
    const verifier = createQstashVerifier({
      currentSigningKey: qstash.currentSigningKey,
      nextSigningKey: qstash.nextSigningKey,
    });
    const url = "http://127.0.0.1:1/v1/jobs/deliver";
    const body = '{"hello":"world"}';
    const check = (signature: string | undefined, b = body, u = url) =>
      verifier.verify({ signature, body: b, url: u });
    expect(await check(qstash.signature(body, url))).toBe(true);
    expect(await check(qstash.signature(body, url, { key: "next" }))).toBe(true);
    const refused: [string, string | undefined, string?, string?][] = [
      ["missing", undefined],
      ["empty", ""],
      ["garbage", "not-a-jwt"],
      ["three garbage parts", "a.b.c"],
      ["forged", qstash.signature(body, url, { key: "sig_someone_else" })],
      ["expired", qstash.signature(body, url, { expired: true })],
      ["other issuer", qstash.signature(body, url, { iss: "Someone" })],
      ["other url", qstash.signature(body, url), body, "http://127.0.0.1:1/elsewhere"],
      ["other body", qstash.signature(body, url), `${body} `],
    ];
    for (const [label, signature, b, u] of refused) {
      expect(await check(signature, b, u), label).toBe(false);
    }
  });
});

/**
 * The app with QStash configured, served on a loopback port (QStash delivers to
 * PUBLIC_URL, so the address exists before the app is built), and the local QStash.
 */
async function startWithQstash(env: Record<string, string> = {}) {
  let target: ((req: Request) => Response | Promise<Response>) | undefined;
  const front = await serveOnLoopback((req) =>
    target ? target(req) : new Response("starting", { status: 503 }),
  );
  const qstash = await startQstashServer({ delayScale: 0.0001 });
  const t = await createTestApp({
    QSTASH_TOKEN: qstash.token,
    QSTASH_URL: qstash.url,
    QSTASH_CURRENT_SIGNING_KEY: qstash.currentSigningKey,
    QSTASH_NEXT_SIGNING_KEY: qstash.nextSigningKey,
    PUBLIC_URL: front.url,
    ...env,
  });
  target = (req) => t.app.fetch(req);
  return {
    t,
    qstash,
    front,
    deliveryUrl: `${front.url}/v1/jobs/deliver`,
    async stop() {
      await qstash.stop();
      await front.stop();
      await t.close();
    },
  };
}

describe("Engram with QStash", () => {
  let env: Awaited<ReturnType<typeof startWithQstash>>;
  let qstash: QstashServer;
  let front: { url: string };
  let t: TestApp;
  let admin: string;
  let orgId: string;
  let probe: ReturnType<typeof jobProbe>;
  let agent: string;
  let deliveryUrl: string;
  let sdk: Client;

  beforeAll(async () => {
    env = await startWithQstash();
    ({ t, qstash, front, deliveryUrl } = env);
    sdk = new Client({
      baseUrl: qstash.url,
      token: qstash.token,
      devMode: false,
      enableTelemetry: false,
      retry: false,
    });
    ({ token: admin, orgId } = await newOrg(t, "qstash-org"));
    probe = jobProbe(t, orgId, admin);
    agent = (await newAgent(t, admin, "qstash-agent")).id;
  });
  afterAll(() => env?.stop());

  const base = (sid: string) => `/v1/agents/${agent}/sessions/${sid}`;

  /** Facts in the style the extractor recognises, a different one per session so none is a duplicate. */
  const FACTS = [
    "I live in Oslo and I love skiing.",
    "I'm allergic to shellfish. I work at Initech.",
    "I live in Porto and I prefer aisle seats.",
    "I work at Globex and I love playing chess.",
    "I'm allergic to peanuts. I live in Lima.",
    "I prefer green tea and I work at Hooli.",
    "I love hiking and I live in Quito.",
    "I work at Umbrella and I'm allergic to cats.",
    "I prefer window seats and I love jazz.",
    "I live in Nairobi and I work at Acme.",
  ];
  let sessions = 0;

  /**
   * Appends a turn to a fresh session and completes it; the completion enqueues the
   * extraction (`jobId`) and the archive (`archiveJobId`).
   */
  async function completed(sid: string, content = FACTS[sessions++ % FACTS.length] ?? "") {
    const appended = await t.call("POST", `${base(sid)}/messages`, {
      token: admin,
      body: { messages: [{ role: "user", content }] },
    });
    expect(appended.status).toBe(200);
    const res = await t.call("POST", `${base(sid)}/complete`, { token: admin });
    expect(res.status).toBe(202);
    const done = await res.json();
    return {
      jobId: done.job_ids[0] as string,
      archiveJobId: done.job_ids[1] as string,
      sessionUuid: done.session.session_uuid as string,
    };
  }

  /** The publish of one job among those since `from`. */
  const publishOf = (jobId: string, from: number) =>
    qstash.publishes.slice(from).find((p) => JSON.parse(p.body).job_id === jobId);

  /** A completed session whose job QStash refused to take: queued in the ledger, never delivered. */
  async function unpublished(sid: string) {
    const before = qstash.publishes.length;
    qstash.state.publishStatus = 500;
    let job: Awaited<ReturnType<typeof completed>>;
    try {
      job = await completed(sid);
    } finally {
      qstash.state.publishStatus = 0;
    }
    // Both of its jobs (extraction and archive) were refused.
    expect(qstash.publishes.slice(before).map((p) => p.status)).toEqual([500, 500]);
    const ref = await probe.refOf(job.jobId);
    return { ...job, ref, body: deliveryBody(ref) };
  }

  /** POSTs a delivery to the webhook over HTTP, as QStash does. */
  const deliver = (body: string, signature?: string) =>
    fetch(deliveryUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(signature !== undefined ? { "upstash-signature": signature } : {}),
      },
      body,
    });

  /** Publishes a raw body to the webhook through QStash; returns its message id once delivered. */
  async function publishRaw(body: string): Promise<string> {
    const { messageId } = await sdk.publish({
      url: deliveryUrl,
      body,
      headers: { "Content-Type": "application/json" },
      retries: 3,
      retryDelay: "pow(10, retried) * 1000",
    });
    await qstash.idle();
    return messageId;
  }

  it("publishes the job on completion; QStash delivers it signed and it runs", async () => {
    const before = qstash.publishes.length;
    const { jobId, archiveJobId, sessionUuid } = await completed("deliver-1");
    await qstash.idle();
    const ref = await probe.refOf(jobId);
    const published = qstash.publishes.slice(before);
    expect(published.map((x) => JSON.parse(x.body).type).sort()).toEqual([
      "memory.extract",
      "session.archive",
    ]);
    const p = publishOf(jobId, before)!;
    expect(p).toMatchObject({
      destination: deliveryUrl,
      body: deliveryBody(ref),
      deduplicationId: await deduplicationId(`${ref.orgId}:${ref.key}`),
      retries: 3,
      retryDelay: "pow(10, retried) * 1000",
      status: 201,
    });
    expect(p.headers.authorization).toBe(`Bearer ${qstash.token}`);
    expect(p.headers["content-type"]).toBe("application/json");
    expect(qstash.deliveriesOf(p.messageId).map((d) => [d.status, JSON.parse(d.responseBody)])).toEqual([
      [200, { outcome: "succeeded" }],
    ]);
    const job = await probe.job(jobId);
    expect(job).toMatchObject({ status: "succeeded", attempts: 1, last_error: null, failures: [] });
    expect(job.result).toMatchObject({ extractor: "rules", turns: 1 });
    expect(job.result.created).toBeGreaterThan(0);
    expect(await probe.memoriesOf(sessionUuid)).toBe(job.result.created);
    const archived = publishOf(archiveJobId, before)!;
    expect(qstash.deliveriesOf(archived.messageId).map((d) => d.status)).toEqual([200]);
    expect(await probe.job(archiveJobId)).toMatchObject({ status: "succeeded", result: { messages: 1 } });
  });

  it("keeps a job QStash refused queued (the completion still succeeds)", async () => {
    const { jobId, sessionUuid } = await unpublished("refused-1");
    await qstash.idle();
    expect(await probe.job(jobId)).toMatchObject({ status: "queued", attempts: 0 });
    expect(await probe.memoriesOf(sessionUuid)).toBe(0);
  });

  it("answers 401 to every bad signature and runs nothing; the next signing key is accepted", async () => {
    const { jobId, sessionUuid, body } = await unpublished("signatures-1");
    const before = await probe.job(jobId);
    expect(before).toMatchObject({ status: "queued", attempts: 0 });
    const signed = (mode: SigningMode = {}) => qstash.signature(body, deliveryUrl, mode);
    const cases: [string, string, string | undefined][] = [
      ["unsigned", body, undefined],
      ["not a JWT", body, "not-a-jwt"],
      ["forged (another key)", body, signed({ key: "sig_not_the_signing_key_000000" })],
      ["expired", body, signed({ expired: true })],
      ["body tampered after signing", body.replace('"v":1', '"v":1 '), signed()],
      ["signed for another URL", body, signed({ sub: `${front.url}/v1/jobs/elsewhere` })],
      ["another issuer", body, signed({ iss: "NotUpstash" })],
    ];
    for (const [label, b, signature] of cases) {
      const res = await deliver(b, signature);
      expect(res.status, label).toBe(401);
      expect((await problem(res)).code, label).toBe("UNAUTHENTICATED");
      expect(await probe.job(jobId), label).toEqual(before);
    }
    expect(await probe.memoriesOf(sessionUuid)).toBe(0);

    const res = await deliver(body, signed({ key: "next" }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ outcome: "succeeded" });
    expect(await probe.job(jobId)).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(await probe.memoriesOf(sessionUuid)).toBeGreaterThan(0);
  });

  it("retries a refused delivery Upstash-Retries times at the configured delays, then gives up; nothing ran", async () => {
    const before = qstash.publishes.length;
    qstash.state.signing = { key: "sig_rotated_away_key_00000000" };
    let job: Awaited<ReturnType<typeof completed>>;
    try {
      job = await completed("refused-deliveries-1");
      await qstash.idle();
    } finally {
      qstash.state.signing = {};
    }
    const p = publishOf(job.jobId, before);
    const attempts = qstash.deliveriesOf(p!.messageId);
    expect(attempts.map((d) => [d.retried, d.delayMs, d.status])).toEqual([
      [0, 0, 401],
      [1, 1_000, 401],
      [2, 10_000, 401],
      [3, 100_000, 401],
    ]);
    expect(qstash.dlq).toContain(p!.messageId);
    expect(await probe.job(job.jobId)).toMatchObject({ status: "queued", attempts: 0 });
    expect(await probe.memoriesOf(job.sessionUuid)).toBe(0);
  });

  it("tampered deliveries from QStash are refused the same way", async () => {
    const before = qstash.publishes.length;
    qstash.state.signing = { tamper: true };
    let job: Awaited<ReturnType<typeof completed>>;
    try {
      job = await completed("tampered-deliveries-1");
      await qstash.idle();
    } finally {
      qstash.state.signing = {};
    }
    const p = publishOf(job.jobId, before);
    expect(qstash.deliveriesOf(p!.messageId).map((d) => d.status)).toEqual([401, 401, 401, 401]);
    expect(await probe.job(job.jobId)).toMatchObject({ status: "queued", attempts: 0 });
  });

  it("delivers a job published twice with the same key once", async () => {
    const { jobId, sessionUuid, ref } = await unpublished("dedup-1");
    const dedupId = await deduplicationId(`${ref.orgId}:${ref.key}`);
    const before = qstash.publishes.length;
    await Promise.all([t.services.jobs.dispatch([ref]), t.services.jobs.dispatch([ref])]);
    await t.services.jobs.dispatch([ref]);
    await qstash.idle();
    const published = qstash.publishes.slice(before);
    expect(published.map((p) => p.deduplicationId)).toEqual([dedupId, dedupId, dedupId]);
    expect(published.map((p) => p.status).sort()).toEqual([201, 202, 202]);
    expect(new Set(published.map((p) => p.messageId)).size).toBe(1);
    expect(qstash.deliveriesOf(published[0]!.messageId).map((d) => d.status)).toEqual([200]);
    const job = await probe.job(jobId);
    expect(job).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(await probe.memoriesOf(sessionUuid)).toBe(job.result.created);
  });

  it("acknowledges a malformed envelope with a valid signature as discarded, once", async () => {
    const countJobs = async () =>
      (await (await t.call("GET", "/v1/jobs?limit=100", { token: admin })).json()).items;
    const jobsBefore = await countJobs();
    for (const body of [
      "not json",
      "{}",
      JSON.stringify({ job_id: "not-a-uuid", org_id: orgId, type: "memory.extract", v: 1, payload: {} }),
    ]) {
      const messageId = await publishRaw(body);
      expect(
        qstash.deliveriesOf(messageId).map((d) => [d.retried, d.status, JSON.parse(d.responseBody)]),
        body,
      ).toEqual([[0, 200, { outcome: "discarded" }]]);
    }
    expect(await countJobs()).toEqual(jobsBefore);
  });

  it("sends a job whose payload fails its schema to the dead letters, delivered once", async () => {
    const { jobId, sessionUuid, ref } = await unpublished("invalid-payload-1");
    const body = deliveryBody({ ...ref, payload: { agent_id: agent, session_id: "not-a-uuid" } });
    const messageId = await publishRaw(body);
    expect(qstash.deliveriesOf(messageId).map((d) => [d.status, JSON.parse(d.responseBody)])).toEqual([
      [200, { outcome: "dead" }],
    ]);
    const job = await probe.job(jobId);
    expect(job).toMatchObject({ status: "dead", last_error: "invalid_message:invalid_payload" });
    expect(job.failures).toHaveLength(1);
    expect(job.failures[0]).toMatchObject({ error: "invalid_message:invalid_payload", replayed_at: null });
    expect(await probe.memoriesOf(sessionUuid)).toBe(0);
  });

  it("runs deliveries that arrive out of order, and again, with each effect applied once", async () => {
    // Two ended sessions' extractions and archives, refused by QStash at publish time,
    // then delivered archive before extraction, newest first, and all of it twice.
    const first = await unpublished("out-of-order-1");
    const second = await unpublished("out-of-order-2");
    const order = [second.archiveJobId, second.jobId, first.archiveJobId, first.jobId];
    const bodies = await Promise.all(order.map(async (id) => deliveryBody(await probe.refOf(id))));
    const outcomes: string[] = [];
    for (const body of [...bodies, ...bodies]) {
      const res = await deliver(body, qstash.signature(body, deliveryUrl));
      expect(res.status).toBe(200);
      outcomes.push((await res.json()).outcome);
    }
    expect(outcomes).toEqual([...Array(4).fill("succeeded"), ...Array(4).fill("duplicate")]);
    for (const s of [first, second]) {
      // Each fact once, and the archive of the session as it ended.
      const { rows } = await t.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM memories WHERE session_id = $1 AND deleted_at IS NULL
          GROUP BY content`,
        [s.sessionUuid],
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
      const archive = await t.sql.query<{ message_count: number }>(
        "SELECT message_count FROM session_archives WHERE session_id = $1",
        [s.sessionUuid],
      );
      expect(Number(archive.rows[0]?.message_count)).toBe(1);
    }
  });

  it("1,000 redeliveries of one signed delivery run the job once and add no memory", async () => {
    const { jobId, sessionUuid, body } = await unpublished("redeliver-1");
    const signature = qstash.signature(body, deliveryUrl);
    const first = await deliver(body, signature);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ outcome: "succeeded" });
    const memories = await probe.memoriesOf(sessionUuid);
    expect(memories).toBeGreaterThan(0);

    const outcomes = new Map<string, number>();
    let next = 1;
    const lane = async () => {
      while (next < 1_000) {
        next += 1;
        const res = await deliver(body, signature);
        const key = `${res.status} ${res.status === 200 ? (await res.json()).outcome : await res.text()}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
    expect(Object.fromEntries(outcomes)).toEqual({ "200 duplicate": 999 });
    expect(await probe.memoriesOf(sessionUuid)).toBe(memories);
    expect(await probe.job(jobId)).toMatchObject({ status: "succeeded", attempts: 1, failures: [] });
  }, 120_000);
});

describe("Engram with QStash and a failing extractor", () => {
  let env: Awaited<ReturnType<typeof startWithQstash>>;
  beforeAll(async () => {
    // The LLM extractor pointed at a port nothing listens on: every run fails retryably.
    env = await startWithQstash({ LLM_BASE_URL: "http://127.0.0.1:9/v1", LLM_API_KEY: "sk-unused" });
  });
  afterAll(() => env?.stop());

  it("answers 503 while the job may retry, so QStash redelivers it on the ledger's schedule until it is dead", async () => {
    const { t, qstash } = env;
    const { token, orgId } = await newOrg(t, "qstash-failing");
    const agent = (await newAgent(t, token, "failing-agent")).id;
    const path = `/v1/agents/${agent}/sessions/failing-1`;
    await t.call("POST", `${path}/messages`, {
      token,
      body: { messages: [{ role: "user", content: "I live in Oslo and I love skiing." }] },
    });
    const done = await (await t.call("POST", `${path}/complete`, { token })).json();
    const jobId = done.job_ids[0] as string;
    await qstash.idle();
    const [p] = qstash.publishes.filter((x) => JSON.parse(x.body).job_id === jobId);
    expect(JSON.parse(p!.body)).toMatchObject({ job_id: jobId, org_id: orgId, type: "memory.extract", v: 1 });
    const attempts = qstash.deliveriesOf(p!.messageId);
    expect(attempts.map((d) => [d.retried, d.delayMs, d.status])).toEqual([
      [0, 0, 503],
      [1, 1_000, 503],
      [2, 10_000, 503],
      [3, 100_000, 200],
    ]);
    expect(JSON.parse(attempts[3]!.responseBody)).toEqual({ outcome: "dead" });
    expect(qstash.dlq).not.toContain(p!.messageId);
    const job = await (await t.call("GET", `/v1/jobs/${jobId}`, { token })).json();
    expect(job).toMatchObject({ status: "dead", attempts: 4, max_attempts: 4, last_error: "UNAVAILABLE" });
    expect(job.failures).toHaveLength(1);
  });
});

describe("Engram without QStash", () => {
  it("answers 404 on the delivery webhook, signed or not", async () => {
    const qstash = await startQstashServer();
    const t = await createTestApp({});
    try {
      const body = JSON.stringify({ hello: "world" });
      const attempts: Record<string, string>[] = [
        { "content-type": "application/json" },
        {
          "content-type": "application/json",
          "upstash-signature": qstash.signature(body, "http://localhost/v1/jobs/deliver"),
        },
      ];
      for (const headers of attempts) {
        const res = await t.call("POST", "/v1/jobs/deliver", { body, headers });
        expect(res.status).toBe(404);
        expect((await problem(res)).code).toBe("NOT_FOUND");
      }
    } finally {
      await t.close();
      await qstash.stop();
    }
  });
});
