/** Base64url without padding, for token secrets and cursors. */
export function toBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const byte of bytes) bin += String.fromCharCode(byte);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Inverse of toBase64Url; throws on characters outside the alphabet. */
export function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Lower-case hex of a byte array. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** UTF-8 text to base64url (for opaque cursors). */
export function encodeText(text: string): string {
  return toBase64Url(new TextEncoder().encode(text));
}

/** Base64url to UTF-8 text; throws when the input is not base64url. */
export function decodeText(encoded: string): string {
  return new TextDecoder("utf-8", { fatal: true }).decode(fromBase64Url(encoded));
}
