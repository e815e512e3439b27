import { describe, expect, it } from "vitest";
import { effectiveWeights } from "./assemble.js";
import { startDeadline, within } from "./deadline.js";

describe("within", () => {
  it("passes a value through", async () => {
    expect(await within(async () => 42, 1000)).toMatchObject({ ok: true, value: 42 });
  });

  it("turns a rejection or a synchronous throw into an error outcome, never a rejection", async () => {
    expect(await within(() => Promise.reject(new Error("down")), 1000)).toMatchObject({
      ok: false,
      reason: "error",
    });
    expect(
      await within(() => {
        throw new Error("sync");
      }, 1000),
    ).toMatchObject({ ok: false, reason: "error" });
  });

  it("gives up on work that never settles, and drops a late failure quietly", async () => {
    expect(await within(() => new Promise(() => {}), 5)).toMatchObject({ ok: false, reason: "timeout" });
    const late = await within(
      () => new Promise((_, reject) => setTimeout(() => reject(new Error("late")), 20)),
      1,
    );
    expect(late).toMatchObject({ ok: false, reason: "timeout" });
    expect(await within(async () => 1, 0)).toMatchObject({ ok: false, reason: "timeout" });
  });
});

describe("within: the work's signal", () => {
  it("aborts when the deadline passes, and stays quiet when the work wins", async () => {
    let slow: AbortSignal | undefined;
    await within(({ signal }) => {
      slow = signal;
      return new Promise(() => {});
    }, 5);
    expect(slow?.aborted).toBe(true);
    let fast: AbortSignal | undefined;
    await within(async ({ signal }) => {
      fast = signal;
      return 1;
    }, 50);
    await new Promise((r) => setTimeout(r, 60));
    expect(fast?.aborted).toBe(false);
  });
});

describe("effectiveWeights", () => {
  it("uses the request's four weights when they sum to 1 (frequency 0)", () => {
    expect(effectiveWeights({ relevance: 0.7, recency: 0.1, usefulness: 0.1, confidence: 0.1 })).toEqual({
      relevance: 0.7,
      recency: 0.1,
      usefulness: 0.1,
      confidence: 0.1,
      frequency: 0,
    });
  });

  it("falls back to the configured weights otherwise (unset, partial or negative)", () => {
    const defaults = effectiveWeights({ relevance: 0, recency: 0, usefulness: 0, confidence: 0 });
    expect(defaults.relevance).toBe(0.4);
    expect(effectiveWeights({ relevance: 0.5, recency: 0, usefulness: 0, confidence: 0 })).toEqual(defaults);
    expect(effectiveWeights({ relevance: 1.5, recency: -0.5, usefulness: 0, confidence: 0 })).toEqual(
      defaults,
    );
  });
});

describe("within: a shared deadline", () => {
  it("times out every source still waiting when it passes, with one signal for all", async () => {
    const shared = startDeadline(5);
    const signals: AbortSignal[] = [];
    const [fast, slow, slower] = await Promise.all([
      within(async () => "fast", shared),
      within(({ signal }) => {
        signals.push(signal);
        return new Promise(() => {});
      }, shared),
      within(({ signal }) => {
        signals.push(signal);
        return new Promise(() => {});
      }, shared),
    ]);
    shared.clear();
    expect(fast).toMatchObject({ ok: true, value: "fast" });
    expect(slow).toMatchObject({ ok: false, reason: "timeout" });
    expect(slower).toMatchObject({ ok: false, reason: "timeout" });
    expect(signals[0]).toBe(signals[1]);
    expect(signals[0]?.aborted).toBe(true);
  });

  it("answers at once for a deadline already passed, and stops its timer when cleared", async () => {
    const passed = startDeadline(0);
    expect(await within(async () => 1, passed)).toMatchObject({ ok: false, reason: "timeout", ms: 0 });
    const cleared = startDeadline(5);
    cleared.clear();
    await new Promise((r) => setTimeout(r, 15));
    expect(cleared.signal.aborted).toBe(false);
  });
});
