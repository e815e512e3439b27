import { describe, expect, it } from "vitest";
import type { QueryResult, SqlClient } from "../db/ports.js";
import { type AssemblyEvent, createUsageRecorder } from "./usage-recorder.js";

const ORG = "01900000-0000-7000-8000-000000000001";
const AGENT = "01900000-0000-7000-8000-000000000002";

/** Records each scoped statement (the recorder writes only through queryAsOrg). */
function recordingSql() {
  const statements: { text: string; params: readonly unknown[]; priority?: string }[] = [];
  const sql = {
    async queryWithSettings(_settings, text, params, options): Promise<QueryResult<never>> {
      statements.push({ text, params, priority: options?.priority });
      return { rows: [], rowCount: 0 };
    },
  } as Partial<SqlClient> as SqlClient;
  return { sql, statements };
}

const event = (injected: string[], at = 0): AssemblyEvent => ({
  orgId: ORG,
  agentId: AGENT,
  sessionId: null,
  model: "gpt-4o",
  totalMs: 5,
  stageMs: {},
  candidatesEvaluated: injected.length,
  memoriesInjected: injected.length,
  tokensInjected: 10,
  directiveTokens: 0,
  degradationLevel: 0,
  fallbackReason: null,
  at,
  injected,
});

describe("usage recorder", () => {
  it("writes events every interval but sums counts over the longer window, one row per memory", async () => {
    const { sql, statements } = recordingSql();
    const usage = createUsageRecorder({ eventsIntervalMs: 1000, countsIntervalMs: 30_000 });
    usage.add(event(["a", "b"]));
    await usage.flush(sql, 1000);
    expect(statements.map((s) => s.text.trim().split(/\s+/)[0])).toEqual(["INSERT"]);
    usage.add(event(["a"]));
    usage.add(event(["a", "c"]));
    await usage.flush(sql, 2000);
    expect(statements).toHaveLength(2);
    await usage.flush(sql, 31_000);
    const update = statements.find((s) => s.text.includes("UPDATE memories"));
    expect(update?.params).toEqual([ORG, ["a", "b", "c"], [3, 1, 1]]);
    expect(statements.every((s) => s.priority === "low")).toBe(true);
  });

  it("writes counters in chunks of 25 rows and events in chunks of 100", async () => {
    const { sql, statements } = recordingSql();
    const usage = createUsageRecorder();
    const ids = Array.from({ length: 120 }, (_, i) => `m${String(i).padStart(3, "0")}`);
    for (let i = 0; i < 150; i++) usage.add(event(i === 0 ? ids : []));
    await usage.flush(sql, 0, true);
    const updates = statements.filter((s) => s.text.includes("UPDATE memories"));
    const inserts = statements.filter((s) => s.text.includes("INSERT INTO assembly_events"));
    expect(updates.map((u) => (u.params[1] as string[]).length)).toEqual([25, 25, 25, 25, 20]);
    expect(inserts.map((u) => (JSON.parse(u.params[1] as string) as unknown[]).length)).toEqual([100, 50]);
  });

  it("drops what overflows its buffers and reports how much at the next write", async () => {
    const { sql } = recordingSql();
    const usage = createUsageRecorder({ maxEvents: 2, maxCounted: 1 });
    usage.add(event(["a"]));
    usage.add(event(["a", "b"])); // "b" is a new memory past maxCounted
    usage.add(event([])); // a third event past maxEvents
    expect(await usage.flush(sql, 0, true)).toBe(2);
    expect(await usage.flush(sql, 5000, true)).toBe(0);
  });
});
