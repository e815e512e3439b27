import { describe, expect, it } from "vitest";
import { SqlError } from "../../db/ports.js";
import { createSessionQueue, PROBE_AFTER_MS } from "./session-queue.js";

/** Work that finishes when told to, recording when it started. */
function gate(log: string[], name: string) {
  let finish = () => {};
  const done = new Promise<void>((r) => {
    finish = r;
  });
  return {
    work: async () => {
      log.push(name);
      await done;
      return name;
    },
    finish: () => finish(),
  };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("session queue", () => {
  it("runs one interactive transaction at a time, high before normal before low", async () => {
    const q = createSessionQueue();
    const log: string[] = [];
    const [a, b, c, d] = ["a", "normal", "low", "high"].map((n) => gate(log, n));
    const runs = [
      q.run(a!.work),
      q.run(b!.work),
      q.run(c!.work, { priority: "low" }),
      q.run(d!.work, { priority: "high" }),
    ];
    await tick();
    expect(log).toEqual(["a"]);
    for (const g of [a, d, b, c]) {
      g!.finish();
      await tick();
    }
    expect(await Promise.all(runs)).toEqual(["a", "normal", "low", "high"]);
    expect(log).toEqual(["a", "high", "normal", "low"]);
  });

  it("lets low-priority work go first once it has waited a second", async () => {
    let now = 0;
    const q = createSessionQueue(() => now);
    const log: string[] = [];
    const [busy, low, normal] = ["busy", "low", "normal"].map((n) => gate(log, n));
    q.run(busy!.work);
    q.run(low!.work, { priority: "low" });
    now = 1000;
    q.run(normal!.work);
    busy!.finish();
    await tick();
    expect(log).toEqual(["busy", "low"]);
    low!.finish();
    normal!.finish();
  });

  it("drops waiting work whose signal aborts, without running it", async () => {
    const q = createSessionQueue();
    const log: string[] = [];
    const busy = gate(log, "busy");
    const later = gate(log, "later");
    q.run(busy.work);
    const controller = new AbortController();
    const dropped = q.run(later.work, { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort();
    const err = await dropped;
    expect(err).toBeInstanceOf(SqlError);
    expect((err as SqlError).sqlState).toBe("57014");
    busy.finish();
    await tick();
    expect(log).toEqual(["busy"]);
  });

  it("refuses at once work that could not finish before its deadline, and admits it when the queue is short", async () => {
    const now = 0;
    const q = createSessionQueue(() => now);
    // The database thread reports ~10 ms per normal transaction.
    for (let i = 0; i < 60; i++) q.observe("normal", 10);
    const log: string[] = [];
    const gates = Array.from({ length: 4 }, (_, i) => gate(log, `w${i}`));
    for (const g of gates) q.run(g.work);
    // Four ahead (one running): ~35 ms before a new one starts, ~45 ms before it ends.
    expect(q.admits({ deadline: now + 30 })).toBe(false);
    expect(q.admits({ deadline: now + 100 })).toBe(true);
    // High-priority work only waits for the running one.
    expect(q.admits({ deadline: now + 30, priority: "high" })).toBe(true);
    const late = await q.run(async () => "late", { deadline: now + 30 }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(SqlError);
    expect((late as SqlError).sqlState).toBe("57014");
    const inTime = q.run(async () => "in time", { deadline: now + 100 });
    for (const g of gates) {
      g.finish();
      await tick();
    }
    expect(await inTime).toBe("in time");
  });

  it("measures again a lane whose estimate refuses everything: one probe per quiet spell", async () => {
    let now = 0;
    const q = createSessionQueue(() => now);
    // A run of slow searches (a contended CPU) left the mean past any 37-ms deadline.
    for (let i = 0; i < 60; i++) q.observe("normal", 60);
    const refused = await q.run(async () => "x", { deadline: now + 37 }).catch((e: unknown) => e);
    expect((refused as SqlError).sqlState).toBe("57014");
    // Soon after, still refused: the estimate stands until it is out of date.
    now += PROBE_AFTER_MS / 2;
    expect(q.admits({ deadline: now + 37 })).toBe(false);
    // Once the lane has been quiet long enough, one transaction goes through to measure.
    now += PROBE_AFTER_MS;
    expect(q.admits({ deadline: now + 37 })).toBe(true);
    const log: string[] = [];
    const probe = gate(log, "probe");
    const running = q.run(probe.work, { deadline: now + 37 });
    await tick();
    expect(log).toEqual(["probe"]);
    // While it runs, no second probe.
    expect(q.admits({ deadline: now + 37 })).toBe(false);
    now += 3;
    probe.finish();
    expect(await running).toBe("probe");
    await tick();
    // Fast probes bring the mean down until the lane admits on its estimate again.
    let admittedAfter = 0;
    for (let i = 1; i <= 40 && !q.admits({ deadline: now + 37 }); i++) {
      now += PROBE_AFTER_MS;
      await q.run(
        async () => {
          now += 3;
        },
        { deadline: now + 37 },
      );
      await tick();
      admittedAfter = i;
    }
    expect(q.admits({ deadline: now + 37 })).toBe(true);
    expect(admittedAfter).toBeLessThan(10);
  });

  it("ends a probe dropped before it started, so the lane can probe again", async () => {
    let now = 0;
    const q = createSessionQueue(() => now);
    for (let i = 0; i < 60; i++) q.observe("normal", 60);
    now += PROBE_AFTER_MS;
    const log: string[] = [];
    const blocker = gate(log, "blocker");
    const first = q.run(blocker.work);
    const leave = new AbortController();
    const dropped = q
      .run(async () => "never", { deadline: now + 37, signal: leave.signal })
      .catch((e: unknown) => e);
    leave.abort();
    expect(((await dropped) as SqlError).sqlState).toBe("57014");
    blocker.finish();
    await first;
    expect(q.admits({ deadline: now + 37 })).toBe(true);
  });
});
