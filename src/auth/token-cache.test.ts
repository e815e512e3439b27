import { describe, expect, it } from "vitest";
import { createTokenCache, type TokenRecord } from "./token-cache.js";

const rec = (id: string): TokenRecord => ({
  id,
  orgId: "o",
  kind: "pat",
  secretHash: "h",
  permissions: 1,
  agentId: null,
  userId: null,
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
  orgStatus: "active",
});

describe("token cache", () => {
  it("forgets an entry once the TTL has passed", async () => {
    const cache = createTokenCache(1000);
    await cache.load("a", 0, async () => rec("a"));
    expect(cache.get("a", 999)?.id).toBe("a");
    expect(cache.get("a", 1000)).toBeUndefined();
  });

  it("caches nothing with a zero TTL and evicts the oldest when full", async () => {
    const off = createTokenCache(0);
    await off.load("a", 0, async () => rec("a"));
    expect(off.get("a", 0)).toBeUndefined();
    const small = createTokenCache(1000, { maxEntries: 2 });
    for (const id of ["a", "b", "c"]) await small.load(id, 0, async () => rec(id));
    expect(small.get("a", 1)).toBeUndefined();
    expect(small.get("c", 1)?.id).toBe("c");
  });

  it("drops an entry on delete", async () => {
    const cache = createTokenCache(1000);
    await cache.load("a", 0, async () => rec("a"));
    cache.delete("a");
    expect(cache.get("a", 1)).toBeUndefined();
  });

  it("shares one load among callers that miss together when coalescing, and not otherwise", async () => {
    for (const coalesce of [true, false]) {
      const cache = createTokenCache(1000, { coalesce });
      let loads = 0;
      const loader = async () => {
        loads++;
        await new Promise((r) => setTimeout(r, 5));
        return rec("a");
      };
      const got = await Promise.all(Array.from({ length: 10 }, () => cache.load("a", 0, loader)));
      expect(got.every((r) => r?.id === "a")).toBe(true);
      expect(loads).toBe(coalesce ? 1 : 10);
      expect(cache.get("a", 1)?.id).toBe("a");
    }
  });

  it("does not keep a load that was in flight when the token was revoked", async () => {
    const cache = createTokenCache(1000, { coalesce: true });
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const loading = cache.load("a", 0, async () => {
      await gate;
      return rec("a");
    });
    cache.delete("a");
    release();
    await loading;
    expect(cache.get("a", 1)).toBeUndefined();
  });

  it("does not cache an unknown token, and lets the next caller retry after a failed load", async () => {
    const cache = createTokenCache(1000, { coalesce: true });
    expect(await cache.load("x", 0, async () => null)).toBeNull();
    await expect(cache.load("y", 0, () => Promise.reject(new Error("db down")))).rejects.toThrow("db down");
    expect((await cache.load("y", 0, async () => rec("y")))?.id).toBe("y");
  });
});
