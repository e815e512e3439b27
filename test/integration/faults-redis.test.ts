import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisKeyValue } from "../../src/adapters/redis/key-value.js";
import { createKvRateLimiter } from "../../src/auth/kv-rate-limiter.js";
import { createTestApp, type TestApp } from "../support/app.js";
import {
  distinctTexts,
  FAULT_ENV,
  type FaultScenario,
  percentile,
  sleep,
  startFaultScenario,
  type WriteOutcome,
} from "../support/faults.js";
import { REDIS_URL } from "../support/redis.js";
import { startTcpProxy } from "../support/tcp-proxy.js";

// The app's key-value store (hot sets, rate limits) is the real Redis, reached through
// a proxy the test takes down and brings back. Redis holds nothing that is not also
// in Postgres or safe to lose: while it is down, writes and reads still succeed,
// rate limiting lets requests through (and says so in the log), AssembleContext answers
// in time without the hot set; once it is back, all of it works again with no restart.
const MARGIN_MS = 2_000;

let t: TestApp;
let s: FaultScenario;
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let kv: ReturnType<typeof createRedisKeyValue>;

beforeAll(async () => {
  proxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379));
  kv = createRedisKeyValue({ url: `redis://127.0.0.1:${proxy.port}`, connectTimeoutMs: 300 });
  t = await createTestApp(FAULT_ENV, { kv: () => kv });
  // The services object is the app's: the shared limiter over Redis, as production has it.
  t.services.rateLimiter = createKvRateLimiter(kv);
  s = await startFaultScenario(t, "redis");
});
afterAll(async () => {
  await s?.close();
  await t?.close();
  await kv?.close();
  await proxy?.stop();
});

describe("Redis down and back", () => {
  it("keeps writes, reads and context assembly working while it is down, and recovers", async () => {
    const contents = distinctTexts(20, 31);
    const before = await Promise.all(Array.from({ length: 20 }, () => s.assemble()));
    await proxy.down();
    const writes: WriteOutcome[] = [];
    for (const content of contents.slice(0, 10)) writes.push(await s.remember(content));
    const appended = await s.append("rest", "redis-down", "redis-down-1", ["I live in Oslo."]);
    const listed = await t.call("GET", `/v1/agents/${s.agent}/memories?limit=5`, { token: s.org.token });
    const during = await Promise.all(Array.from({ length: 20 }, () => s.assemble()));
    await proxy.up();
    // After reconnecting: the limiter and the hot set use Redis again.
    let after = await s.assemble();
    for (let i = 0; i < 20 && after.level !== 0; i++) {
      await sleep(100);
      after = await s.assemble();
    }
    for (const content of contents.slice(10)) writes.push(await s.remember(content));
    const copies = await s.copiesOf(contents);
    const keys = await kv.scan(`${s.org.orgId}:`);

    console.info(
      `redis down: ${writes.length} writes (${writes.filter((w) => w.kind === "acked").length} acknowledged), ` +
        `${during.length} assemblies (p50 ${percentile(
          during.map((a) => a.ms),
          50,
        ).toFixed(0)} ms, max ${Math.max(...during.map((a) => a.ms)).toFixed(0)} ms, ` +
        `${during.filter((a) => (a.level ?? 0) > 0).length} degraded, ${during.filter((a) => a.error).length} errors); ` +
        `before (Redis up): p50 ${percentile(
          before.map((a) => a.ms),
          50,
        ).toFixed(0)} ms; after: level ${after.level}, ${keys.length} keys of the org in Redis`,
    );
    expect(writes.filter((w) => w.kind !== "acked")).toEqual([]);
    expect(appended.kind).toBe("acked");
    expect(listed.status).toBe(200);
    expect(during.filter((a) => a.error !== null)).toEqual([]);
    expect(Math.max(...during.map((a) => a.ms))).toBeLessThan(s.deadlineMs + MARGIN_MS);
    expect(after.error).toBeNull();
    expect(after.level).toBe(0);
    expect([...copies.values()].every((n) => n === 1)).toBe(true);
    expect(copies.size).toBe(contents.length);
    // The limiter counts in Redis again.
    expect(keys.some((k) => k.includes(":rl:"))).toBe(true);
    expect(t.logs.some((l) => l.includes("rate limit") || l.includes("key-value"))).toBe(true);
  }, 60_000);
});
