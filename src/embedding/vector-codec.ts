import { fromBase64Url, toBase64Url } from "../lib/encoding.js";

/** Float64 bytes as base64url: exact (a cache hit returns the very same vector, E1). */
export function encodeVector(vector: readonly number[]): string {
  return toBase64Url(new Uint8Array(Float64Array.from(vector).buffer));
}

/** Inverse of encodeVector; null when the text is not a whole number of doubles. */
export function decodeVector(text: string): number[] | null {
  const bytes = fromBase64Url(text);
  if (bytes.length === 0 || bytes.length % 8 !== 0) return null;
  return Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8));
}
