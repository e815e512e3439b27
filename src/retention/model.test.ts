import { describe, expect, it } from "vitest";
import { emptyReport, isRetentionRun, retentionPolicyOf } from "./model.js";

describe("retention model", () => {
  it("runs on the cron invocation scheduled at minute 0 of each hour (UTC) only", () => {
    expect(isRetentionRun(Date.parse("2026-12-01T10:00:00Z"))).toBe(true);
    expect(isRetentionRun(Date.parse("2026-12-01T10:00:59.999Z"))).toBe(true);
    expect(isRetentionRun(Date.parse("2026-12-01T10:01:00Z"))).toBe(false);
    expect(isRetentionRun(Date.parse("2026-12-01T10:59:00Z"))).toBe(false);
    const minutes = Array.from(
      { length: 24 * 60 },
      (_, i) => Date.parse("2026-12-01T00:00:00Z") + i * 60_000,
    );
    expect(minutes.filter(isRetentionRun)).toHaveLength(24);
  });

  it("reads the policy from the configuration and starts a report at zero", () => {
    expect(
      retentionPolicyOf({
        ANALYTICS_RETENTION_DAYS: 90,
        MEMORY_SOFT_DELETE_DAYS: 30,
        SESSION_MESSAGES_RETAIN_DAYS: 0,
      }),
    ).toEqual({ analyticsDays: 90, softDeleteDays: 30, messagesRetainDays: 0 });
    const r = emptyReport();
    expect(r.complete).toBe(true);
    expect(Object.entries(r).filter(([k, v]) => k !== "complete" && v !== 0)).toEqual([]);
  });
});
