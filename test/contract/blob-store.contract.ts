import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BlobStore } from "../../src/blobs/ports.js";
import { uuidv7 } from "../../src/lib/ids.js";

export interface BlobStoreFixture {
  blobs: BlobStore;
  close(): Promise<void>;
}

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

/** The BlobStore port's contract (B1–B4 in src/blobs/ports.ts). */
export function runBlobStoreContract(name: string, setup: () => Promise<BlobStoreFixture>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let fx: BlobStoreFixture;
    beforeAll(async () => {
      fx = await setup();
    });
    afterAll(() => fx?.close());

    it("B1 returns the bytes and content type that were put; put overwrites", async () => {
      const key = `${uuidv7()}/exports/a.jsonl`;
      await fx.blobs.put(key, bytes('{"a":"välue 🔑"}\n'), { contentType: "application/x-ndjson" });
      const got = await fx.blobs.get(key);
      expect(text(got?.body)).toBe('{"a":"välue 🔑"}\n');
      expect(got?.contentType).toBe("application/x-ndjson");
      await fx.blobs.put(key, bytes("x"), { contentType: "text/csv" });
      const again = await fx.blobs.get(key);
      expect(text(again?.body)).toBe("x");
      expect(again?.contentType).toBe("text/csv");
    });

    it("B1 stores binary and empty bodies exactly", async () => {
      const key = `${uuidv7()}/bin`;
      const body = new Uint8Array(256).map((_, i) => i);
      await fx.blobs.put(key, body, { contentType: "application/octet-stream" });
      expect([...((await fx.blobs.get(key))?.body ?? [])]).toEqual([...body]);
      await fx.blobs.put(key, new Uint8Array(0), { contentType: "application/octet-stream" });
      expect((await fx.blobs.get(key))?.body.length).toBe(0);
    });

    it("B2 a missing key reads as null and deletes without error", async () => {
      const key = `${uuidv7()}/missing`;
      expect(await fx.blobs.get(key)).toBeNull();
      await fx.blobs.delete(key);
      await fx.blobs.put(key, bytes("v"), { contentType: "text/plain" });
      await fx.blobs.delete(key);
      expect(await fx.blobs.get(key)).toBeNull();
    });

    it("B3 deletePrefix removes exactly the keys under the prefix", async () => {
      const org = uuidv7();
      const other = uuidv7();
      for (const k of [`${org}/a/1`, `${org}/a/2`, `${org}/b/3`]) {
        await fx.blobs.put(k, bytes(k), { contentType: "text/plain" });
      }
      await fx.blobs.put(`${other}/a/1`, bytes("keep"), { contentType: "text/plain" });
      await fx.blobs.put(`${org}x/a/1`, bytes("keep"), { contentType: "text/plain" });
      expect(await fx.blobs.deletePrefix(`${org}/`)).toBe(3);
      expect(await fx.blobs.get(`${org}/a/1`)).toBeNull();
      expect(await fx.blobs.get(`${org}/b/3`)).toBeNull();
      expect(text((await fx.blobs.get(`${other}/a/1`))?.body)).toBe("keep");
      expect(text((await fx.blobs.get(`${org}x/a/1`))?.body)).toBe("keep");
      expect(await fx.blobs.deletePrefix(`${uuidv7()}/`)).toBe(0);
    });

    it("B4 rejects unsafe keys", async () => {
      for (const key of ["../etc/passwd", "/abs", "a//b", "a/../b", "a/./b", "a\nb", "", "a/b/"]) {
        await expect(fx.blobs.put(key, bytes("x"), { contentType: "text/plain" })).rejects.toThrow(
          /invalid blob key/,
        );
        await expect(fx.blobs.get(key)).rejects.toThrow(/invalid blob key/);
      }
      await expect(fx.blobs.deletePrefix("no-slash")).rejects.toThrow(/invalid blob prefix/);
    });
  });
}
