import { describe, expect, it } from "vitest";
import { canonicalJson, signCertificate, verifyCertificate } from "./certificate.js";
import type { PurgeCertificate } from "./model.js";

const secret = "test-secret-test-secret-test-secret-01";
const cert: PurgeCertificate = {
  purge_id: "0190a000-0000-7000-8000-000000000001",
  scope: "org",
  org_id: "0190a000-0000-7000-8000-000000000002",
  requester: "0190a000-0000-7000-8000-000000000003",
  requested_at: "2026-12-01T10:00:00.000Z",
  started_at: "2026-12-01T10:00:01.000Z",
  finished_at: "2026-12-01T10:00:09.000Z",
  counts: { rows: { memories: 3, agents: 1 }, objects: 2, keys: 4 },
};

describe("purge certificate", () => {
  it("serialises canonically: key order does not matter, at any depth", () => {
    const { counts: _counts, ...rest } = cert;
    const shuffled = { counts: { keys: 4, objects: 2, rows: { agents: 1, memories: 3 } }, ...rest };
    expect(canonicalJson(shuffled)).toBe(canonicalJson(cert));
    expect(canonicalJson({ b: [2, { d: 1, c: null }], a: "x" })).toBe('{"a":"x","b":[2,{"c":null,"d":1}]}');
  });

  it("verifies its own signature, also over a reordered copy", async () => {
    const sig = await signCertificate(secret, cert);
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    expect(await verifyCertificate(secret, cert, sig)).toBe(true);
    const reordered = Object.fromEntries(Object.entries(cert).reverse());
    expect(await verifyCertificate(secret, reordered, sig)).toBe(true);
  });

  it("refuses any change to the certificate, another secret, and malformed input", async () => {
    const sig = await signCertificate(secret, cert);
    const tampered = { ...cert, counts: { ...cert.counts, objects: 3 } };
    expect(await verifyCertificate(secret, tampered, sig)).toBe(false);
    expect(await verifyCertificate(secret, { ...cert, extra: 1 }, sig)).toBe(false);
    expect(await verifyCertificate(`${secret}x`, cert, sig)).toBe(false);
    expect(await verifyCertificate(secret, cert, sig.toUpperCase())).toBe(false);
    expect(await verifyCertificate(secret, [cert], sig)).toBe(false);
    expect(await verifyCertificate(secret, null, sig)).toBe(false);
  });
});
