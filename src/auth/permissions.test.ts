import { describe, expect, it } from "vitest";
import { hasScopes, isSubset, maskOf, PRESETS, SCOPES, scopesOf } from "./permissions.js";

describe("permission bitmap", () => {
  it("gives each scope its own bit, stable by position", () => {
    expect(maskOf(["memory:read"])).toBe(1);
    expect(maskOf(["memory:write"])).toBe(2);
    expect(maskOf(["platform:admin"])).toBe(2 ** 16);
    expect(new Set(SCOPES.map((s) => maskOf([s]))).size).toBe(SCOPES.length);
  });

  it("round-trips scopes through the mask in declaration order", () => {
    expect(scopesOf(maskOf(["agent:write", "memory:read"]))).toEqual(["memory:read", "agent:write"]);
    expect(scopesOf(maskOf([...SCOPES]))).toEqual([...SCOPES]);
    expect(scopesOf(2 ** 40)).toEqual([]);
  });

  it("checks required scopes and subsets", () => {
    const mask = maskOf(["agent:read", "agent:write"]);
    expect(hasScopes(mask, ["agent:read"])).toBe(true);
    expect(hasScopes(mask, ["agent:read", "token:create"])).toBe(false);
    expect(isSubset(maskOf(["agent:read"]), mask)).toBe(true);
    expect(isSubset(maskOf(["org:admin"]), mask)).toBe(false);
  });

  it("defines presets: admin has all but platform admin; gateway is minimal", () => {
    expect(PRESETS.admin).not.toContain("platform:admin");
    expect(PRESETS.admin).toHaveLength(SCOPES.length - 1);
    expect([...PRESETS.gateway].sort()).toEqual(["context:assemble", "memory:read", "session:write"]);
    expect(PRESETS.operator).not.toContain("token:create");
    expect(PRESETS.operator).not.toContain("org:admin");
    expect(PRESETS["read-only"].every((s) => s.endsWith(":read"))).toBe(true);
  });
});
