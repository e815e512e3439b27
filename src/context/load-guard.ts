/**
 * Counts assemblies in flight in this process or isolate, and says which retrieval
 * sources to skip when there are too many: past `limit`, cold search (L1); past
 * twice the limit, the hot set too (L2, the directive comes from its cache). A
 * request queued behind a saturated database would miss its deadline anyway; shedding
 * the expensive sources keeps every answer inside it. Pure state, no I/O.
 */
export interface LoadGuard {
  enter(): { skipCold: boolean; skipHot: boolean; leave(): void };
  inFlight(): number;
}

export function createLoadGuard(limit: number): LoadGuard {
  let n = 0;
  return {
    enter() {
      n++;
      let left = false;
      return {
        skipCold: limit > 0 && n > limit,
        skipHot: limit > 0 && n > 2 * limit,
        leave() {
          if (!left) {
            left = true;
            n--;
          }
        },
      };
    },
    inFlight: () => n,
  };
}
