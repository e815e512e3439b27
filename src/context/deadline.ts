/** The outcome of a source raced against its deadline. */
export type Outcome<T> =
  | { ok: true; value: T; ms: number }
  | { ok: false; reason: "timeout" | "error" | "overloaded"; ms: number; error?: unknown };

/**
 * Settles with the value, or with `timeout` once `ms` have passed, or with `error`;
 * never rejects. A late result is dropped (its rejection is swallowed). The work is
 * told its deadline, and its signal aborts at the timeout, so work still queued (a
 * transaction waiting for the database) is not started for nobody.
 */
export function within<T>(
  work: (budget: { signal: AbortSignal; deadline: number }) => Promise<T>,
  ms: number,
  now: () => number = performance.now.bind(performance),
): Promise<Outcome<T>> {
  const start = now();
  return new Promise((resolve) => {
    if (ms <= 0) {
      resolve({ ok: false, reason: "timeout", ms: 0 });
      return;
    }
    let done = false;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      done = true;
      controller.abort();
      resolve({ ok: false, reason: "timeout", ms: now() - start });
    }, ms);
    let promise: Promise<T>;
    try {
      promise = work({ signal: controller.signal, deadline: start + ms });
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (value) => {
        if (done) return;
        clearTimeout(timer);
        resolve({ ok: true, value, ms: now() - start });
      },
      (error: unknown) => {
        if (done) return;
        clearTimeout(timer);
        resolve({ ok: false, reason: "error", ms: now() - start, error });
      },
    );
  });
}
