import { describe, expect, it } from "vitest";
import { createLoadGuard } from "./load-guard.js";

describe("load guard", () => {
  it("admits cold searches up to the limit, and again once one is released", () => {
    const guard = createLoadGuard(2);
    const a = guard.admitCold();
    const b = guard.admitCold();
    expect(a && b).toBeTruthy();
    expect(guard.admitCold()).toBeNull();
    a?.(true);
    a?.(true); // a second release is ignored
    expect(guard.admitCold()).not.toBeNull();
    expect(guard.admitCold()).toBeNull();
  });

  it("halves the limit when a search comes back late, once for the searches running then", () => {
    const guard = createLoadGuard(8);
    const running = Array.from({ length: 8 }, () => guard.admitCold());
    running[0]?.(false);
    expect(guard.coldLimit()).toBe(4);
    // The others were admitted before the halving: their lateness is the same event.
    running[1]?.(false);
    running[2]?.(false);
    expect(guard.coldLimit()).toBe(4);
    for (const r of running.slice(3)) r?.();
    // A search admitted after the halving that is late halves it again, down to 1.
    guard.admitCold()?.(false);
    expect(guard.coldLimit()).toBe(2);
    guard.admitCold()?.(false);
    guard.admitCold()?.(false);
    expect(guard.coldLimit()).toBe(1);
    // One is always let in, so recovery can be seen.
    const probe = guard.admitCold();
    expect(probe).not.toBeNull();
    expect(guard.admitCold()).toBeNull();
    probe?.(true);
  });

  it("grows the limit back by one per limit's worth of searches in time, up to the configured limit", () => {
    const guard = createLoadGuard(4);
    guard.admitCold()?.(false);
    guard.admitCold()?.(false);
    expect(guard.coldLimit()).toBe(1);
    guard.admitCold()?.(true);
    expect(guard.coldLimit()).toBe(2);
    // 2 → 2.5 → 2.9 → 3.24: about one per window's worth.
    guard.admitCold()?.(true);
    guard.admitCold()?.(true);
    expect(guard.coldLimit()).toBe(2);
    guard.admitCold()?.(true);
    expect(guard.coldLimit()).toBe(3);
    for (let i = 0; i < 50; i++) guard.admitCold()?.(true);
    expect(guard.coldLimit()).toBe(4);
  });

  it("leaves the limit alone for searches refused or failed before their deadline", () => {
    const guard = createLoadGuard(4);
    for (let i = 0; i < 10; i++) guard.admitCold()?.();
    expect(guard.coldLimit()).toBe(4);
  });

  it("does not limit with limit 0, and skips the hot set past four times the limit in flight", () => {
    const open = createLoadGuard(0);
    expect(Array.from({ length: 100 }, () => open.admitCold()).every(Boolean)).toBe(true);
    const guard = createLoadGuard(2);
    const slots = Array.from({ length: 8 }, () => guard.enter());
    expect(slots.some((s) => s.skipHot)).toBe(false);
    const ninth = guard.enter();
    expect(ninth.skipHot).toBe(true);
    ninth.leave();
    ninth.leave();
    expect(guard.inFlight()).toBe(8);
  });
});
