import { sha256Hex } from "../lib/crypto.js";

/** Unicode NFC, whitespace collapsed and trimmed, case-folded: the dedup form. */
export function normalizeContent(text: string): string {
  return text.normalize("NFC").replace(/\s+/gu, " ").trim().toLowerCase();
}

/** SHA-256 of the normalised content: equal for texts that differ only in case or spacing. */
export function contentHash(text: string): Promise<string> {
  return sha256Hex(normalizeContent(text));
}
