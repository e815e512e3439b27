import type { ContextPiece } from "./format.js";
import { countTokens, type Encoding } from "./tokenizer.js";

/**
 * Remembered counts, per encoding, in two generations: new entries go to the young
 * one; when it holds MAX_KEY_CHARS of keys it becomes the old one and the previous
 * old one is dropped whole. A hit in the old generation moves back to the young one,
 * so what is in use survives. Every operation is O(1) — evicting entry by entry from
 * the front of one big Map made each insertion walk the holes left by earlier
 * deletions, which under load came to a tenth of the HTTP thread.
 */
const MAX_KEY_CHARS = 4_000_000;

interface Generations {
  young: Map<string, number>;
  old: Map<string, number>;
  youngChars: number;
}

const caches = new Map<Encoding, Generations>();

function generations(encoding: Encoding): Generations {
  let g = caches.get(encoding);
  if (!g) {
    g = { young: new Map(), old: new Map(), youngChars: 0 };
    caches.set(encoding, g);
  }
  return g;
}

function keep(g: Generations, key: string, n: number): void {
  if (g.youngChars + key.length > MAX_KEY_CHARS) {
    g.old = g.young;
    g.young = new Map();
    g.youngChars = 0;
  }
  g.young.set(key, n);
  g.youngChars += key.length;
}

/**
 * Tokens of a text that repeats across calls, remembered under `key` (the piece's own
 * text, so a lookup builds no new string). Only exact counts are kept: an estimate
 * made while the tables load is not remembered past them.
 */
function remembered(key: string, text: () => string, encoding: Encoding, exact: boolean): number {
  const g = generations(encoding);
  const young = g.young.get(key);
  if (young !== undefined) return young;
  const old = g.old.get(key);
  if (old !== undefined) {
    keep(g, key, old);
    return old;
  }
  const n = countTokens(text(), encoding);
  if (exact && key.length <= MAX_KEY_CHARS / 8) keep(g, key, n);
  return n;
}

/**
 * Tokens of a text that may come back (a message of the conversation's history,
 * resent with every call), remembered like the pieces.
 */
export function textTokens(text: string, encoding: Encoding, exact: boolean): number {
  // Keys starting with a control character are the directive versions'.
  if (text.startsWith("\u0000")) return countTokens(text, encoding);
  return remembered(text, () => text, encoding, exact);
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
