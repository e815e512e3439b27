import { describe, expect, it } from "vitest";
import { createMemoryKeyValue } from "../adapters/in-memory/key-value.js";
import type { KeyValue } from "../kv/ports.js";
import { sha256Hex } from "../lib/crypto.js";
import { withEmbeddingCache } from "./cached.js";
import { createLocalEmbedder } from "./local.js";
import { localEmbed } from "./local-embedder.js";
import type { Embedder } from "./ports.js";

function counting(inner: Embedder) {
  const calls: string[][] = [];
  const e: Embedder = {
    ...inner,
    embedBatch: async (t) => {
      calls.push(t);
      return inner.embedBatch(t);
    },
  };
  return { e, calls };
}

describe("embedding cache", () => {
  it("stores under embed:v1:{model}:{sha256(text)} and never keys by raw text", async () => {
    const kv = createMemoryKeyValue();
    const seen: string[] = [];
    const spy: KeyValue = {
      ...kv,
      set: (k, v, ttl) => {
        seen.push(`${k}|${ttl}`);
        return kv.set(k, v, ttl);
      },
    };
    await withEmbeddingCache(createLocalEmbedder(), { kv: spy, ttlSeconds: 3600 }).embed("secret text");
    expect(seen).toEqual([`embed:v1:engram-local-v1:${await sha256Hex("secret text")}|3600`]);
  });

  it("serves repeats from the cache with the exact same vector", async () => {
    const { e, calls } = counting(createLocalEmbedder());
    const stats = { hits: 0, misses: 0 };
    const cached = withEmbeddingCache(e, { kv: createMemoryKeyValue(), stats });
    const a = await cached.embed("hello");
    const b = await cached.embedBatch(["hello", "world", "hello"]);
    expect(b[0]).toEqual(a);
    expect(a).toEqual(localEmbed("hello"));
    expect(calls).toEqual([["hello"], ["world"]]);
    expect(stats).toEqual({ hits: 2, misses: 2 });
  });

  it("fails open when the store is down, and logs without the text", async () => {
    const down: KeyValue = {
      ...createMemoryKeyValue(),
      get: () => Promise.reject(new Error("ECONNREFUSED")),
      set: () => Promise.reject(new Error("ECONNREFUSED")),
    };
    const lines: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (m: string, f?: object) => lines.push(JSON.stringify({ m, ...f })),
    };
    const v = await withEmbeddingCache(createLocalEmbedder(), { kv: down, logger }).embed("private words");
    expect(v).toEqual(localEmbed("private words"));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("")).not.toContain("private words");
  });

  it("ignores a corrupt cache entry", async () => {
    const kv = createMemoryKeyValue();
    await kv.set(`embed:v1:engram-local-v1:${await sha256Hex("x y")}`, "not-a-vector");
    expect(await withEmbeddingCache(createLocalEmbedder(), { kv }).embed("x y")).toEqual(localEmbed("x y"));
  });
});
