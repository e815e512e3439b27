/**
 * Admission control for context assembly, per process or isolate. Cold search is the
 * expensive source: at most `limit` run at once, and a call that finds them all busy
 * skips it (L1) instead of queueing for the database behind them — a search that
 * waits longer than the deadline is lost work and makes every later one late too.
 * Past four times that many assemblies in flight, the hot set is skipped as well (L2;
 * the directive comes from its cache). Pure state, no I/O.
 */
export interface LoadGuard {
  /** Counts an assembly in flight until `leave`; says whether to skip the hot set. */
  enter(): { skipHot: boolean; leave(): void };
  /**
   * Takes a cold-search slot, or returns null when all are busy (0 = no limit). Call
   * the returned release when the search settles — not when its caller stops waiting:
   * the database is busy until then.
   */
  admitCold(): (() => void) | null;
  inFlight(): number;
}

export function createLoadGuard(limit: number): LoadGuard {
  let assemblies = 0;
  let cold = 0;
  const once = (fn: () => void) => {
    let done = false;
    return () => {
      if (!done) {
        done = true;
        fn();
      }
    };
  };
  return {
    enter() {
      assemblies++;
      return {
        skipHot: limit > 0 && assemblies > 4 * limit,
        leave: once(() => {
          assemblies--;
        }),
      };
    },
    admitCold() {
      if (limit > 0 && cold >= limit) return null;
      cold++;
      return once(() => {
        cold--;
      });
    },
    inFlight: () => assemblies,
  };
}
