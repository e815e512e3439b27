import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../src/lib/errors.js";
import { uuidv7 } from "../../src/lib/ids.js";
import type { VectorDocument, VectorMemory } from "../../src/memory/ports.js";

export interface VectorMemoryFixture {
  /** An empty store (one scope) of the given dimension. */
  open(): Promise<VectorMemory>;
  close(): Promise<void>;
}

/** A deterministic pseudo-random unit vector. */
export function unitVector(dim: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  const v = Array.from({ length: dim }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** A unit vector at cosine `c` from `base` (mixing in an orthogonal direction). */
function atCosine(base: number[], c: number, seed: number): number[] {
  const r = unitVector(base.length, seed);
  const dot = r.reduce((s, x, i) => s + x * (base[i] ?? 0), 0);
  const orth = r.map((x, i) => x - dot * (base[i] ?? 0));
  const n = Math.hypot(...orth);
  const s = Math.sqrt(1 - c * c);
  return base.map((b, i) => c * b + (s * (orth[i] ?? 0)) / n);
}

const doc = (
  embedding: number[],
  content = `doc ${uuidv7()}`,
  metadata?: Record<string, unknown>,
): VectorDocument => ({
  id: uuidv7(),
  content,
  embedding,
  ...(metadata ? { metadata } : {}),
});

const code = (e: unknown) => (isAppError(e) ? e.code : e);

/** The VectorMemory contract (ADR-0003, VM1–VM8). */
export function runVectorMemoryContract(name: string, setup: () => Promise<VectorMemoryFixture>): void {
  describe(`VectorMemory contract: ${name}`, () => {
    let fx: VectorMemoryFixture;
    beforeAll(async () => {
      fx = await setup();
    });
    afterAll(() => fx?.close());

    it("VM1: storing an existing id replaces the document and never errors", async () => {
      const vm = await fx.open();
      const q = unitVector(vm.dimension, 1);
      const d = doc(q, "first wording");
      await vm.store([d]);
      await vm.store([{ ...d, content: "second wording", embedding: atCosine(q, 0.5, 2) }]);
      const hits = await vm.search(q, { topK: 5 });
      expect(hits).toHaveLength(1);
      expect(hits[0]).toMatchObject({ id: d.id, content: "second wording" });
      expect(hits[0]?.score).toBeCloseTo(0.5, 3);
    });

    it("VM2: vectors of the wrong dimension or with non-finite numbers are rejected, nothing stored", async () => {
      const vm = await fx.open();
      const good = doc(unitVector(vm.dimension, 3));
      const short = doc(unitVector(vm.dimension - 1, 4));
      const nan = doc(unitVector(vm.dimension, 5).map((x, i) => (i === 7 ? Number.NaN : x)));
      const inf = doc(unitVector(vm.dimension, 6).map((x, i) => (i === 0 ? Number.POSITIVE_INFINITY : x)));
      for (const bad of [short, nan, inf]) {
        expect(code(await vm.store([good, bad]).catch((e: unknown) => e))).toBe("INVALID_ARGUMENT");
      }
      expect(await vm.search(unitVector(vm.dimension, 3), { topK: 10 })).toEqual([]);
      expect(code(await vm.search(unitVector(vm.dimension + 1, 3)).catch((e: unknown) => e))).toBe(
        "INVALID_ARGUMENT",
      );
    });

    it("VM3: results are sorted by cosine similarity, descending", async () => {
      const vm = await fx.open();
      const q = unitVector(vm.dimension, 10);
      const cosines = [0.2, 0.9, -0.3, 0.55, 0.75];
      await vm.store(cosines.map((c, i) => doc(atCosine(q, c, 100 + i))));
      const hits = await vm.search(q, { topK: 10 });
      expect(hits.map((h) => Math.round(h.score * 100) / 100)).toEqual([0.9, 0.75, 0.55, 0.2, -0.3]);
    });

    it("VM4: topK is an upper bound, never padded", async () => {
      const vm = await fx.open();
      const q = unitVector(vm.dimension, 20);
      await vm.store([0.9, 0.8, 0.7].map((c, i) => doc(atCosine(q, c, 200 + i))));
      expect(await vm.search(q, { topK: 10 })).toHaveLength(3);
      expect(await vm.search(q, { topK: 2 })).toHaveLength(2);
      expect(await vm.search(q, { topK: 0 })).toEqual([]);
    });

    it("VM5: the threshold is exclusive: a document scoring exactly the threshold is left out", async () => {
      const vm = await fx.open();
      const q = unitVector(vm.dimension, 30);
      await vm.store([doc(atCosine(q, 0.7, 300)), doc(atCosine(q, 0.9, 301))]);
      const all = await vm.search(q, { topK: 10 });
      const lower = all[1]?.score ?? Number.NaN;
      const hits = await vm.search(q, { topK: 10, threshold: lower });
      expect(hits.map((h) => h.id)).toEqual([all[0]?.id]);
      expect((await vm.search(q, { topK: 10, threshold: lower - 1e-9 })).length).toBe(2);
    });

    it("VM6: metadata is opaque: stored and returned as given, whatever its keys", async () => {
      const vm = await fx.open();
      const q = unitVector(vm.dimension, 40);
      const metadata = {
        category: "not-a-filter",
        nested: { list: [1, "two", null, true] },
        "weird key": "ü",
      };
      await vm.store([doc(q, "with metadata", metadata)]);
      expect((await vm.search(q, { topK: 1 }))[0]?.metadata).toEqual(metadata);
    });

    it("VM7: delete (when offered) removes documents from search", async (ctx) => {
      const vm = await fx.open();
      if (!vm.delete) return ctx.skip();
      const q = unitVector(vm.dimension, 50);
      const [a, b] = [doc(q, "a"), doc(atCosine(q, 0.5, 501), "b")];
      await vm.store([a, b]);
      await vm.delete([a.id, uuidv7()]);
      expect((await vm.search(q, { topK: 10 })).map((h) => h.id)).toEqual([b.id]);
    });

    it("VM8: a document minus its embedding round-trips through JSON equal", async () => {
      const vm = await fx.open();
      const q = unitVector(vm.dimension, 60);
      const d = doc(q, 'round trip ✓ "quotes"', { n: 1.5, s: "x", a: [{ b: null }] });
      await vm.store([d]);
      const hit = (await vm.search(q, { topK: 1 }))[0];
      const { score: _score, ...back } = hit ?? { score: 0 };
      const { embedding: _embedding, ...sent } = d;
      expect(JSON.parse(JSON.stringify(back))).toEqual(JSON.parse(JSON.stringify(sent)));
    });
  });
}
