/**
 * A bounded memo in two generations: new entries go to the young one; when the young
 * one's entries weigh `maxWeight` it becomes the old one and the previous old one is
 * dropped whole. A hit in the old generation moves back to the young one, so what is
 * in use survives. Every operation is O(1) — evicting entry by entry from the front
 * of one big Map made each insertion walk the holes left by earlier deletions, which
 * under load came to a tenth of the HTTP thread. Pure state, no I/O.
 */
export interface GenerationalMap<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
}

/** `weigh` is what an entry counts against `maxWeight` (by default its key's length). */
export function createGenerationalMap<V>(
  maxWeight: number,
  weigh: (key: string, value: V) => number = (key) => key.length,
): GenerationalMap<V> {
  let young = new Map<string, V>();
  let old = new Map<string, V>();
  let youngWeight = 0;
  const set = (key: string, value: V) => {
    const weight = weigh(key, value);
    if (youngWeight + weight > maxWeight) {
      old = young;
      young = new Map();
      youngWeight = 0;
    }
    young.set(key, value);
    youngWeight += weight;
  };
  return {
    get(key) {
      const hit = young.get(key);
      if (hit !== undefined) return hit;
      const aged = old.get(key);
      if (aged !== undefined) set(key, aged);
      return aged;
    },
    set,
  };
}
