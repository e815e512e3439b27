/**
 * Admission control for context assembly, per process or isolate. Cold search is the
 * expensive source: at most a limit of them run at once, and a call that finds them
 * all busy skips it (L1) instead of queueing for the database behind them — a search
 * that waits longer than the deadline is lost work and makes every later one late too.
 * The limit adapts (AIMD, as TCP's window): it halves when a search settles after its
 * caller's deadline and grows by one per limit's worth of searches in time, between 1
 * and `limit`. Late searches are the costly failure — the caller waited out its whole
 * retrieval deadline for nothing — and they come in runs when the database or the
 * thread serving the answers falls behind, so fewer are let in until they finish in
 * time again; one is always allowed, which is how recovery is noticed.
 * Past four times `limit` assemblies in flight, the hot set is skipped as well (L2;
 * the directive comes from its cache). Pure state, no I/O.
 */
export interface LoadGuard {
  /** Counts an assembly in flight until `leave`; says whether to skip the hot set. */
  enter(): { skipHot: boolean; leave(): void };
  /**
   * Takes a cold-search slot, or returns null when all are busy (limit 0 = no
   * limit). Call the returned release when the search settles — not when its caller
   * stops waiting: the database is busy until then — saying whether it settled in
   * time (`true`), after its deadline (`false`), or neither applies (omitted: refused
   * or failed, which says nothing of the load).
   */
  admitCold(): ((inTime?: boolean) => void) | null;
  inFlight(): number;
  /** The current cold-search limit (for tests and metrics). */
  coldLimit(): number;
}

export function createLoadGuard(limit: number): LoadGuard {
  let assemblies = 0;
  let cold = 0;
  let window = limit;
  // Searches admitted so far, and how many had been when the window last halved:
  // the searches already running then do not halve it again.
  let admitted = 0;
  let halvedAt = 0;
  return {
    enter() {
      assemblies++;
      let left = false;
      return {
        skipHot: limit > 0 && assemblies > 4 * limit,
        leave() {
          if (left) return;
          left = true;
          assemblies--;
        },
      };
    },
    admitCold() {
      if (limit > 0 && cold >= Math.floor(window)) return null;
      cold++;
      const seq = ++admitted;
      let released = false;
      return (inTime?: boolean) => {
        if (released) return;
        released = true;
        cold--;
        if (limit <= 0 || inTime === undefined) return;
        if (inTime) window = Math.min(limit, window + 1 / window);
        else if (seq > halvedAt) {
          window = Math.max(1, window / 2);
          halvedAt = admitted;
        }
      };
    },
    inFlight: () => assemblies,
    coldLimit: () => (limit > 0 ? Math.floor(window) : 0),
  };
}
