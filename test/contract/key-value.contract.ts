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

    it("KV1: scan finds every key under a prefix, of every type, and nothing outside it", async () => {
      const org = `test:kv:${uuidv7()}:`;
      const inside = Array.from({ length: 1_203 }, (_, i) => `${org}k:${i}`);
      await Promise.all(inside.map((k) => fx.kv.set(k, "v", 60)));
      await fx.kv.listReplace(`${org}list`, ["a"]);
      await fx.kv.zaddTrim(`${org}hot:agent`, [{ member: "m", score: 1 }], 10, 60);
      await fx.kv.incr(`${org}rl:org:1`, 1, 60);
      // Look-alikes: another org sharing a leading part, and the prefix without its colon.
      const outside = [`${org.slice(0, -1)}x:k`, `${org.slice(0, -1)}`, `x${org}k`];
      await Promise.all(outside.map((k) => fx.kv.set(k, "v", 60)));
      const found = await fx.kv.scan(org);
      expect(found.sort()).toEqual([...inside, `${org}list`, `${org}hot:agent`, `${org}rl:org:1`].sort());
      expect(new Set(found).size).toBe(found.length);
      await fx.kv.del([...found, ...outside]);
    });

    it("KV1: glob characters in a prefix match literally", async () => {
      const base = `test:kv:${uuidv7()}`;
      const tricky = `${base}:a*b?[c]\\d:`;
      await fx.kv.set(`${tricky}1`, "v", 60);
      // Keys the unescaped pattern would also match.
      const wild = [`${base}:aXXb?[c]\\d:1`, `${base}:a*bZ[c]\\d:1`, `${base}:a*b?c\\d:1`];
      await Promise.all(wild.map((k) => fx.kv.set(k, "v", 60)));
      expect(await fx.kv.scan(tricky)).toEqual([`${tricky}1`]);
      expect(await fx.kv.deletePrefix(tricky)).toBe(1);
      for (const k of wild) expect(await fx.kv.get(k)).toBe("v");
      await fx.kv.del(wild);
    });

    it("KV2: deletePrefix removes exactly the keys under the prefix and counts them", async () => {
      const org = `test:kv:${uuidv7()}:`;
      const other = `test:kv:${uuidv7()}:`;
      const inside = Array.from({ length: 1_100 }, (_, i) => `${org}${i}`);
      await Promise.all(inside.map((k) => fx.kv.set(k, "v", 60)));
      await fx.kv.zaddTrim(`${org}hot:a`, [{ member: "m", score: 1 }], 10, 60);
      await fx.kv.set(`${other}keep`, "v", 60);
      // Every page is reported with what it deleted (a purge renews its lease and records counts there).
      const pages: number[] = [];
      const found: number[] = [];
      expect(await fx.kv.scan(org, async (n) => void found.push(n))).toHaveLength(1_101);
      expect(found.length).toBeGreaterThanOrEqual(1);
      expect(
        await fx.kv.deletePrefix(org, async (n) => {
          pages.push(n);
        }),
      ).toBe(1_101);
      expect(pages.reduce((a, b) => a + b, 0)).toBe(1_101);
      expect(await fx.kv.scan(org)).toEqual([]);
      expect(await fx.kv.get(`${org}0`)).toBeNull();
      expect(await fx.kv.get(`${other}keep`)).toBe("v");
      expect(await fx.kv.deletePrefix(org)).toBe(0);
      await fx.kv.del([`${other}keep`]);
    });

    it("KV2: a failing page callback fails the walk", async () => {
      const org = `test:kv:${uuidv7()}:`;
      await fx.kv.set(`${org}1`, "v", 60);
      const refuse = async () => {
        throw new Error("stop");
      };
      await expect(fx.kv.deletePrefix(org, refuse)).rejects.toThrow();
      await expect(fx.kv.scan(org, refuse)).rejects.toThrow();
      await fx.kv.deletePrefix(org);
    });

    it("KV2: refuses an empty prefix", async () => {
      await expect(fx.kv.deletePrefix("")).rejects.toThrow();
      await expect(fx.kv.scan("")).rejects.toThrow();
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
