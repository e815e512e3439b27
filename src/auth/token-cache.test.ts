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
  it("forgets an entry once the TTL has passed", () => {
    const cache = createTokenCache(1000);
    cache.set("a", rec("a"), 0);
    expect(cache.get("a", 999)?.id).toBe("a");
    expect(cache.get("a", 1000)).toBeUndefined();
  });

  it("caches nothing with a zero TTL and evicts the oldest when full", () => {
    const off = createTokenCache(0);
    off.set("a", rec("a"), 0);
    expect(off.get("a", 0)).toBeUndefined();
    const small = createTokenCache(1000, 2);
    small.set("a", rec("a"), 0);
    small.set("b", rec("b"), 0);
    small.set("c", rec("c"), 0);
    expect(small.get("a", 1)).toBeUndefined();
    expect(small.get("c", 1)?.id).toBe("c");
  });

  it("drops an entry on delete", () => {
    const cache = createTokenCache(1000);
    cache.set("a", rec("a"), 0);
    cache.delete("a");
    expect(cache.get("a", 1)).toBeUndefined();
  });
});
