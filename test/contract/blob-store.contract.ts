import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BlobStore } from "../../src/blobs/ports.js";
import { uuidv7 } from "../../src/lib/ids.js";

export interface BlobStoreFixture {
  blobs: BlobStore;
  close(): Promise<void>;
}

/** What a backend can show beyond the common contract. */
export interface BlobStoreContractOptions {
  /** How many keys the B6 paging test lists (over 1,000 crosses an S3/R2 page). */
  manyKeys?: number;
  /** The store pre-signs URLs (B7); otherwise it must not offer `presignGet`. */
  presign?: boolean;
  /** The pages the B6 listing takes, each reported to `list`'s `onPage` (stores that list in pages). */
  listPages?: number;
}

/** Runs `fn` over `items`, `width` at a time. */
async function eachLimited<T>(items: T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: width }, lane));
}

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

/** The BlobStore port's contract (B1–B7 in src/blobs/ports.ts). */
export function runBlobStoreContract(
  name: string,
  setup: () => Promise<BlobStoreFixture>,
  options: BlobStoreContractOptions = {},
): void {
  const manyKeys = options.manyKeys ?? 120;
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
      await expect(fx.blobs.list("no-slash")).rejects.toThrow(/invalid blob prefix/);
      await expect(fx.blobs.list("a//")).rejects.toThrow(/invalid blob key/);
    });

    it("B5 returns the content encoding with the bytes exactly as stored", async () => {
      const key = `${uuidv7()}/2026/05/s.ndjson`;
      const plain = '{"v":1}\n{"role":"user","content":"héllo"}\n'.repeat(20);
      const gz = new Uint8Array(gzipSync(plain));
      await fx.blobs.put(key, gz, { contentType: "application/x-ndjson", contentEncoding: "gzip" });
      const got = await fx.blobs.get(key);
      expect(got?.contentEncoding).toBe("gzip");
      expect(got?.contentType).toBe("application/x-ndjson");
      // Still compressed: gzip's magic bytes and the same length and content.
      expect([...(got?.body.slice(0, 2) ?? [])]).toEqual([0x1f, 0x8b]);
      expect(Buffer.from(got?.body ?? []).equals(Buffer.from(gz))).toBe(true);
      // Overwriting without an encoding drops it.
      await fx.blobs.put(key, bytes(plain), { contentType: "application/x-ndjson" });
      const again = await fx.blobs.get(key);
      expect(again?.contentEncoding).toBeUndefined();
      expect(text(again?.body)).toBe(plain);
    });

    it("B6 lists exactly the keys under the prefix, sorted", async () => {
      const org = uuidv7();
      const inside = [`${org}/a/z`, `${org}/a/b/2`, `${org}/a/b/10`, `${org}/a/B`, `${org}/a/a.ndjson`];
      const outside = [`${org}/ab/x`, `${org}/a.ndjson`, `${org}/b/1`, `${uuidv7()}/a/1`];
      for (const k of [...inside, ...outside]) await fx.blobs.put(k, bytes(k), { contentType: "text/plain" });
      expect(await fx.blobs.list(`${org}/a/`)).toEqual([...inside].sort());
      expect(await fx.blobs.list(`${org}/a/b/`)).toEqual([`${org}/a/b/10`, `${org}/a/b/2`]);
      expect(await fx.blobs.list(`${org}/ab/`)).toEqual([`${org}/ab/x`]);
      expect(await fx.blobs.list(`${org}/c/`)).toEqual([]);
      // A prefix that names an object, not a folder, has nothing under it.
      expect(await fx.blobs.list(`${org}/a/z/`)).toEqual([]);
      await fx.blobs.delete(`${org}/a/z`);
      expect(await fx.blobs.list(`${org}/a/`)).not.toContain(`${org}/a/z`);
    });

    it(`B6 lists across pages (${manyKeys} keys) and deletePrefix removes them all`, async () => {
      const org = uuidv7();
      const keys = Array.from({ length: manyKeys }, (_, i) => `${org}/many/${String(i).padStart(5, "0")}`);
      await eachLimited(keys, 16, (k) => fx.blobs.put(k, bytes("x"), { contentType: "text/plain" }));
      await fx.blobs.put(`${org}/other/1`, bytes("keep"), { contentType: "text/plain" });
      let pages = 0;
      const listed = await fx.blobs.list(`${org}/many/`, async () => {
        pages += 1;
      });
      expect(listed.length).toBe(manyKeys);
      expect(listed).toEqual(keys);
      // A store that lists in pages reports each (a purge renews its lease there).
      if (options.listPages !== undefined) expect(pages).toBe(options.listPages);
      expect(await fx.blobs.deletePrefix(`${org}/many/`)).toBe(manyKeys);
      expect(await fx.blobs.list(`${org}/many/`)).toEqual([]);
      expect(await fx.blobs.list(`${org}/`)).toEqual([`${org}/other/1`]);
    }, 120_000);

    if (!options.presign) {
      it("B7 a store that cannot sign offers no presignGet", () => {
        expect(fx.blobs.presignGet).toBeUndefined();
      });
      return;
    }

    describe("B7 pre-signed GET", () => {
      const presign = (key: string, seconds: number) => {
        if (!fx.blobs.presignGet) throw new Error("this store must pre-sign");
        return fx.blobs.presignGet(key, seconds);
      };

      it("B7 a plain fetch of the URL returns the bytes, with no credentials", async () => {
        const key = `${uuidv7()}/exports/e.csv`;
        const body = 'id,content\n1,"aisle seat ✈"\n';
        await fx.blobs.put(key, bytes(body), { contentType: "text/csv" });
        const before = Date.now();
        const link = await presign(key, 900);
        expect(link.expiresAt).toBeGreaterThanOrEqual(before + 900_000);
        expect(link.expiresAt).toBeLessThanOrEqual(Date.now() + 900_000);
        const res = await fetch(link.url);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("text/csv");
        expect(await res.text()).toBe(body);
        // The same object without the signature is private.
        const unsigned = new URL(link.url);
        unsigned.search = "";
        expect((await fetch(unsigned)).status).toBe(403);
      });

      it("B7 a tampered URL is refused", async () => {
        const org = uuidv7();
        await fx.blobs.put(`${org}/a`, bytes("a"), { contentType: "text/plain" });
        await fx.blobs.put(`${org}/b`, bytes("secret b"), { contentType: "text/plain" });
        const url = new URL((await presign(`${org}/a`, 60)).url);
        const tampered: URL[] = [];
        const otherKey = new URL(url);
        otherKey.pathname = otherKey.pathname.replace(/\/a$/, "/b");
        tampered.push(otherKey);
        const longer = new URL(url);
        longer.searchParams.set("X-Amz-Expires", "604800");
        tampered.push(longer);
        const signature = url.searchParams.get("X-Amz-Signature") ?? "";
        const flipped = new URL(url);
        flipped.searchParams.set(
          "X-Amz-Signature",
          `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`,
        );
        tampered.push(flipped);
        expect((await fetch(url)).status).toBe(200);
        for (const u of tampered) {
          const res = await fetch(u);
          expect(res.status).toBe(403);
          expect(await res.text()).not.toContain("secret b");
        }
      });

      it("B7 an expired URL is refused", async () => {
        const key = `${uuidv7()}/x`;
        await fx.blobs.put(key, bytes("x"), { contentType: "text/plain" });
        const link = await presign(key, 1);
        expect(link.expiresAt - Date.now()).toBeLessThanOrEqual(1000);
        // X-Amz-Date has one-second resolution: past 2 s the link is expired for certain.
        await new Promise((r) => setTimeout(r, 2_100));
        expect((await fetch(link.url)).status).toBe(403);
      });

      it("B7 presignGet rejects unsafe keys", async () => {
        await expect(presign("../x", 60)).rejects.toThrow(/invalid blob key/);
      });
    });
  });
}
