import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Embedder } from "../../src/embedding/ports.js";
import { isAppError } from "../../src/lib/errors.js";

export interface EmbedderFixture {
  embedder: Embedder;
  /** Makes the backend fail (server down, 500…) when the backend has a transport. */
  breakBackend?(): Promise<void> | void;
  close(): Promise<void>;
}

const TEXTS = [
  "I prefer window seats on long flights.",
  "Mi perro se llama Rex 🐕",
  "x",
  "a ".repeat(3000).trim(),
];

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/** The EmbedFn contract (ADR-0003, E1–E3), plus shape checks every backend owes. */
export function runEmbedFnContract(name: string, setup: () => Promise<EmbedderFixture>): void {
  describe(`EmbedFn contract: ${name}`, () => {
    let fx: EmbedderFixture;
    beforeAll(async () => {
      fx = await setup();
    });
    afterAll(() => fx?.close());

    it("returns finite, L2-normalised vectors of the declared dimension", async () => {
      for (const t of TEXTS) {
        const v = await fx.embedder.embed(t);
        expect(v).toHaveLength(fx.embedder.dimension);
        expect(v.every(Number.isFinite)).toBe(true);
        expect(norm(v)).toBeCloseTo(1, 6);
      }
    });

    it("E1: the same input gives the same vector on every call, singly or in a batch", async () => {
      const first = await fx.embedder.embed(TEXTS[0] ?? "");
      expect(await fx.embedder.embed(TEXTS[0] ?? "")).toEqual(first);
      const batch = await fx.embedder.embedBatch(TEXTS);
      expect(batch[0]).toEqual(first);
      expect(batch).toHaveLength(TEXTS.length);
    });

    it("E2: no side effects: results do not depend on what was embedded before or in what order", async () => {
      const forward = await fx.embedder.embedBatch(TEXTS);
      const backward = await fx.embedder.embedBatch([...TEXTS].reverse());
      expect([...backward].reverse()).toEqual(forward);
      expect(await fx.embedder.embed(TEXTS[1] ?? "")).toEqual(forward[1]);
    });

    it("E3: blank, non-string and over-long input reject; there is no null embedding", async () => {
      for (const bad of ["", "   \n\t", "x".repeat(8193), null as unknown as string]) {
        const err = await fx.embedder.embed(bad).catch((e: unknown) => e);
        expect(isAppError(err) && err.code).toBe("INVALID_ARGUMENT");
      }
      const err = await fx.embedder.embedBatch(["ok", " "]).catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe("INVALID_ARGUMENT");
    });

    it("E3: a failing backend rejects the promise", async (ctx) => {
      if (!fx.breakBackend) return ctx.skip();
      await fx.breakBackend();
      const outcome = await fx.embedder.embed("never seen before: a fresh text").then(
        (v) => ({ rejected: false, v }),
        (e: unknown) => ({ rejected: true, e }),
      );
      expect(outcome.rejected).toBe(true);
    });
  });
}
