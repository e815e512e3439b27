/** The outcome of a source raced against its deadline. */
export type Outcome<T> =
  | { ok: true; value: T; ms: number }
  | { ok: false; reason: "timeout" | "error" | "overloaded"; ms: number; error?: unknown };

/** A deadline several sources share: one timer and one signal for all of them. */
export interface Deadline {
  /** Aborts when the deadline passes. */
  signal: AbortSignal;
  /** When, on the `performance.now()` clock. */
  deadline: number;
  /** Resolves when the deadline passes. */
  expired: Promise<void>;
  /** Stops the timer (call once nothing waits on the deadline any more). */
  clear(): void;
}

/** Starts a deadline `ms` from now. */
export function startDeadline(ms: number, now: () => number = performance.now.bind(performance)): Deadline {
  const controller = new AbortController();
  let fire = () => {};
  const expired = new Promise<void>((resolve) => {
    fire = resolve;
  });
  const expire = () => {
    controller.abort();
    fire();
  };
  const timer = ms > 0 ? setTimeout(expire, ms) : undefined;
  if (timer === undefined) expire();
  return { signal: controller.signal, deadline: now() + ms, expired, clear: () => clearTimeout(timer) };
}

/**
 * Settles with the value, or with `timeout` once the deadline passes (`limit` ms
 * from now, or a shared Deadline), or with `error`; never rejects. A late result is
 * dropped (its rejection is swallowed). The work is told the deadline, and its signal
 * aborts when it passes, so work still queued (a transaction waiting for the
 * database) is not started for nobody.
 */
export function within<T>(
  work: (budget: { signal: AbortSignal; deadline: number }) => Promise<T>,
  limit: number | Deadline,
  now: () => number = performance.now.bind(performance),
): Promise<Outcome<T>> {
  const start = now();
  const own = typeof limit === "number" ? startDeadline(limit, now) : null;
  const d = own ?? (limit as Deadline);
  return new Promise((resolve) => {
    if (d.signal.aborted) {
      resolve({ ok: false, reason: "timeout", ms: 0 });
      return;
    }
    let done = false;
    const settle = (outcome: Outcome<T>) => {
      if (done) return;
      done = true;
      own?.clear();
      resolve(outcome);
    };
    d.expired.then(() => settle({ ok: false, reason: "timeout", ms: now() - start }));
    let promise: Promise<T>;
    try {
      promise = work({ signal: d.signal, deadline: d.deadline });
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (value) => settle({ ok: true, value, ms: now() - start }),
      (error: unknown) => settle({ ok: false, reason: "error", ms: now() - start, error }),
    );
  });
}
