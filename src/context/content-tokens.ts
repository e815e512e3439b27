import type { ContextPiece } from "./format.js";
import { countTokens, type Encoding } from "./tokenizer.js";
import { uuidTokens } from "./uuid-tokens.js";

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
 * Tokens of a text that comes back — a piece of the context, a directive version, a
 * message of the conversation's history (resent with every call) — remembered under
 * the text itself, so a lookup builds no new string. Only exact counts are kept: an
 * estimate made while the tables load is not remembered past them.
 */
export function textTokens(text: string, encoding: Encoding, exact: boolean): number {
  const g = generations(encoding);
  const young = g.young.get(text);
  if (young !== undefined) return young;
  const old = g.old.get(text);
  if (old !== undefined) {
    keep(g, text, old);
    return old;
  }
  const n = countTokens(text, encoding);
  if (exact && text.length <= MAX_KEY_CHARS / 8) keep(g, text, n);
  return n;
}

/**
 * Tokens of text made of pieces (format.ts): the sum of the pieces' counts, exact
 * because every piece starts at a token boundary of the whole. Repeating pieces — the
 * directive, tags, a memory's markup and text — are counted once per process, and
 * lines counted while packing carry their count, so counting an assembled context
 * costs a few map lookups instead of encoding it all.
 */
export function piecesTokens(pieces: readonly ContextPiece[], encoding: Encoding, exact: boolean): number {
  let n = 0;
  for (const p of pieces) {
    if (p.kind === "counted") n += p.tokens;
    else if (p.kind === "repeat") n += textTokens(p.text, encoding, exact);
    else if (p.kind === "id") n += uuidTokens(p.text, encoding, exact);
    else n += countTokens(p.text, encoding);
  }
  return n;
}
