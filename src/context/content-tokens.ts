import type { ContextPiece } from "./format.js";
import { countTokens, type Encoding } from "./tokenizer.js";

/** Remembered counts are bounded by the characters of their keys (about 16 MB). */
const MAX_KEY_CHARS = 8_000_000;
/** Per encoding; keyed by the piece's own text, so a lookup builds no new string. */
const caches = new Map<Encoding, Map<string, number>>();
let keyChars = 0;

/**
 * Tokens of a text that repeats across calls, remembered under `key` (per encoding).
 * Only exact counts are kept: an estimate made while the tables load is not
 * remembered past them. Oldest entries go first when the bound is reached.
 */
function remembered(key: string, text: () => string, encoding: Encoding, exact: boolean): number {
  let cache = caches.get(encoding);
  if (!cache) {
    cache = new Map();
    caches.set(encoding, cache);
  }
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const n = countTokens(text(), encoding);
  if (exact && key.length <= MAX_KEY_CHARS / 8) {
    for (const c of caches.values()) {
      for (const old of c.keys()) {
        if (keyChars + key.length <= MAX_KEY_CHARS) break;
        c.delete(old);
        keyChars -= old.length;
      }
    }
    cache.set(key, n);
    keyChars += key.length;
  }
  return n;
}

/** Tokens of a directive version's text; versions are immutable, so the id is the key. */
export function directiveTokens(
  versionId: string,
  content: string,
  encoding: Encoding,
  exact: boolean,
): number {
  // A control character keeps version keys apart from piece texts.
  return remembered(`\u0000d:${versionId}`, () => content, encoding, exact);
}

/**
 * Tokens of text made of pieces (format.ts): the sum of the pieces' counts, exact
 * because every piece starts at a token boundary of the whole. Repeating pieces — the
 * directive, tags, a memory's markup and text — are counted once per process, so
 * counting an assembled context costs a few map lookups instead of encoding it all.
 */
export function piecesTokens(pieces: readonly ContextPiece[], encoding: Encoding, exact: boolean): number {
  let n = 0;
  for (const p of pieces) {
    n +=
      p.kind === "repeat"
        ? remembered(`p:${p.text}`, () => p.text, encoding, exact)
        : countTokens(p.text, encoding);
  }
  return n;
}
