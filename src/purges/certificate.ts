import { hmacSha256Hex, timingSafeEqual } from "../lib/crypto.js";
import type { PurgeCertificate } from "./model.js";

const DOMAIN = "engram-purge-certificate:v1:";

/**
 * JSON with every object's keys sorted, at every depth: one certificate has exactly
 * one text, whoever serialised it and in whatever key order it was posted back.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The certificate's signature: HMAC-SHA-256 under the server secret (TOKEN_PEPPER), hex. */
export function signCertificate(secret: string, certificate: PurgeCertificate): Promise<string> {
  return hmacSha256Hex(secret, `${DOMAIN}${canonicalJson(certificate)}`);
}

/**
 * Whether `signature` is this server's signature over `certificate` (any JSON object,
 * as a holder may post a copy back). Compared in constant time.
 */
export async function verifyCertificate(
  secret: string,
  certificate: unknown,
  signature: string,
): Promise<boolean> {
  if (certificate === null || typeof certificate !== "object" || Array.isArray(certificate)) return false;
  if (!/^[0-9a-f]{64}$/.test(signature)) return false;
  const expected = await hmacSha256Hex(secret, `${DOMAIN}${canonicalJson(certificate)}`);
  return timingSafeEqual(expected, signature);
}
