import { createGenerationalMap } from "../lib/generational-map.js";
import type { ContextPiece } from "./format.js";
import { countTokens, type Encoding, perEncoding } from "./tokenizer.js";
import { uuidTokens } from "./uuid-tokens.js";

/** Remembered counts per encoding, up to MAX_KEY_CHARS of texts each. */
const MAX_KEY_CHARS = 4_000_000;

const remembered = perEncoding(() => createGenerationalMap<number>(MAX_KEY_CHARS));

/**
 * Tokens of a text that comes back — a piece of the context, a directive version, a
 * message of the conversation's history (resent with every call) — remembered under
 * the text itself, so a lookup builds no new string. Only counts made with the tables
 * loaded are kept — exact, or over by a token per cut where a text holds a long run
 * (`boundedCount`), the same every time — and an estimate made while the tables load
 * is not remembered past them.
 */
export function textTokens(text: string, encoding: Encoding, exact: boolean): number {
  const counts = remembered(encoding);
  const known = counts.get(text);
  if (known !== undefined) return known;
  const n = countTokens(text, encoding);
  if (exact && text.length <= MAX_KEY_CHARS / 8) counts.set(text, n);
  return n;
}

/**
 * Tokens of text made of pieces (format.ts): the sum of the pieces' counts, exact
 * because every piece starts at a token boundary of the whole (a piece holding a long
 * run counts over, as it would alone). Repeating pieces — the directive, tags, a
 * memory's markup and text — are counted once per process, and lines counted while
 * packing carry their count, so counting an assembled context costs a few map
 * lookups instead of encoding it all.
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
