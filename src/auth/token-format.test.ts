import { describe, expect, it } from "vitest";
import { uuidv7 } from "../lib/ids.js";
import { mintToken, parseToken, tokenPrefix } from "./token-format.js";

describe("token format", () => {
  it("mints eg_pat_/eg_svc_ tokens with a 32-byte secret that parse back", () => {
    for (const kind of ["pat", "service"] as const) {
      const t = mintToken(kind);
      expect(t.plaintext).toMatch(kind === "pat" ? /^eg_pat_/ : /^eg_svc_/);
      expect(t.secret).toHaveLength(43);
      expect(parseToken(t.plaintext)).toEqual({ kind, id: t.id, secret: t.secret });
      expect(t.plaintext.startsWith(tokenPrefix(kind, t.id))).toBe(true);
    }
  });

  it("never mints the same secret twice", () => {
    const secrets = new Set(Array.from({ length: 200 }, () => mintToken("pat").secret));
    expect(secrets.size).toBe(200);
  });

  it("rejects anything else", () => {
    const ok = mintToken("pat", uuidv7()).plaintext;
    for (const bad of [
      "",
      "eg_pat_",
      `${ok}x`,
      ok.slice(0, -1),
      ok.replace("eg_pat", "eg_xyz"),
      ok.toUpperCase(),
      ` ${ok}`,
    ]) {
      expect(parseToken(bad)).toBeNull();
    }
  });
});
