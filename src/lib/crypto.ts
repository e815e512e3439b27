import { createHash, createHmac } from "node:crypto";

/**
 * HMAC-SHA-256 of `message` under `secret`, as lower-case hex. Through `node:crypto`
 * (Node, and Workers with nodejs_compat): it runs inline, where WebCrypto's
 * `subtle.sign` queues a job and a promise per call — measurable on every RPC, which
 * hashes its bearer token.
 */
export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  return createHmac("sha256", secret).update(message).digest("hex");
}

/** SHA-256 of a UTF-8 string or of bytes, as lower-case hex. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return createHash("sha256").update(data).digest("hex");
}

const encoder = new TextEncoder();

/** Compares two strings in time independent of where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const ab = encoder.encode(a);
  const bb = encoder.encode(b);
  let diff = ab.length ^ bb.length;
  const n = Math.max(ab.length, bb.length);
  for (let i = 0; i < n; i++) diff |= (ab[i] ?? 0) ^ (bb[i] ?? 0);
  return diff === 0;
}

/**
 * Random bytes come from a pooled buffer refilled 4 KiB at a time: one
 * `getRandomValues` call per id costs more than the bytes themselves.
 */
const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let poolAt = POOL_BYTES;

/** `n` cryptographically random bytes (a fresh array the caller owns). */
export function randomBytes(n: number): Uint8Array {
  if (n > POOL_BYTES) {
    const big = new Uint8Array(n);
    crypto.getRandomValues(big);
    return big;
  }
  if (poolAt + n > POOL_BYTES) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const out = pool.slice(poolAt, poolAt + n);
  // Handed-out bytes are zeroed in the pool: a token secret made from them does not linger there.
  pool.fill(0, poolAt, poolAt + n);
  poolAt += n;
  return out;
}
