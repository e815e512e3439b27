import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KeyValue } from "../../src/kv/ports.js";
import { uuidv7 } from "../../src/lib/ids.js";

export interface KeyValueFixture {
  kv: KeyValue;
  close(): Promise<void>;
}

/** The KeyValue port's contract: what caches, chat histories and hot sets rely on. */
export function runKeyValueContract(name: string, setup: () => Promise<KeyValueFixture>): void {
  describe(`KeyValue contract: ${name}`, () => {
    let fx: KeyValueFixture;
    const key = () => `test:kv:${uuidv7()}`;
    beforeAll(async () => {
      fx = await setup();
    });
    afterAll(() => fx?.close());

    it("gets what was set; a missing key is null", async () => {
      const k = key();
      expect(await fx.kv.get(k)).toBeNull();
      await fx.kv.set(k, "välue 🔑");
      expect(await fx.kv.get(k)).toBe("välue 🔑");
      await fx.kv.set(k, "");
      expect(await fx.kv.get(k)).toBe("");
    });

    it("expires a value after its TTL", async () => {
      const k = key();
      await fx.kv.set(k, "v", 1);
      expect(await fx.kv.get(k)).toBe("v");
      await new Promise((r) => setTimeout(r, 1_100));
      expect(await fx.kv.get(k)).toBeNull();
    });

    it("deletes keys and counts those that existed", async () => {
      const [a, b] = [key(), key()];
      await fx.kv.set(a, "1");
      await fx.kv.listReplace(b, ["x"]);
      expect(await fx.kv.del([a, b, key()])).toBe(2);
      expect(await fx.kv.del([])).toBe(0);
    });

    it("counts atomically under concurrency, with the TTL set once at creation", async () => {
      const k = key();
      const values = await Promise.all(Array.from({ length: 50 }, () => fx.kv.incr(k, 1, 60)));
      expect(values.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(await fx.kv.incr(k, -10, 60)).toBe(40);
      const short = key();
      await fx.kv.incr(short, 1, 1);
      await new Promise((r) => setTimeout(r, 1_100));
      expect(await fx.kv.incr(short, 1, 1)).toBe(1);
      await fx.kv.del([k, short]);
    });

    it("keeps a bounded sorted set: add, re-score, trim to the best N, ties by member descending", async () => {
      const k = key();
      await fx.kv.zaddTrim(
        k,
        [
          { member: "a", score: 1 },
          { member: "b", score: 3 },
          { member: "c", score: 2 },
        ],
        50,
        60,
      );
      expect(await fx.kv.ztop(k, 10)).toEqual(["b", "c", "a"]);
      await fx.kv.zaddTrim(
        k,
        [
          { member: "a", score: 5 },
          { member: "d", score: 0.5 },
        ],
        3,
        60,
      );
      expect(await fx.kv.ztop(k, 10)).toEqual(["a", "b", "c"]);
      await fx.kv.zaddTrim(
        k,
        [
          { member: "y", score: 2 },
          { member: "x", score: 2 },
        ],
        4,
        60,
      );
      expect(await fx.kv.ztop(k, 10)).toEqual(["a", "b", "y", "x"]);
      expect(await fx.kv.ztop(k, 2)).toEqual(["a", "b"]);
      expect(await fx.kv.zrem(k, ["b", "nope"])).toBe(1);
      expect(await fx.kv.ztop(k, 10)).toEqual(["a", "y", "x"]);
      await fx.kv.zreplace(k, [{ member: "only", score: 1 }], 60);
      expect(await fx.kv.ztop(k, 10)).toEqual(["only"]);
      await fx.kv.zreplace(k, [], 60);
      expect(await fx.kv.ztop(k, 10)).toEqual([]);
      await fx.kv.del([k]);
    });

    it("expires a sorted set after its TTL", async () => {
      const k = key();
      await fx.kv.zaddTrim(k, [{ member: "a", score: 1 }], 5, 1);
      await new Promise((r) => setTimeout(r, 1_100));
      expect(await fx.kv.ztop(k, 5)).toEqual([]);
    });

    it("replaces and appends lists, with and without an expected length", async () => {
      const k = key();
      expect(await fx.kv.listAll(k)).toEqual([]);
      await fx.kv.listReplace(k, ["a", "b"]);
      expect(await fx.kv.listAppend(k, ["c"], 2)).toBe(3);
      expect(await fx.kv.listAppend(k, ["x"], 2)).toBeNull();
      expect(await fx.kv.listAppend(k, ["d", "e"])).toBe(5);
      expect(await fx.kv.listAll(k)).toEqual(["a", "b", "c", "d", "e"]);
      await fx.kv.listReplace(k, []);
      expect(await fx.kv.listAll(k)).toEqual([]);
      await fx.kv.del([k]);
    });
  });
}
