import { escapeMarkup } from "./format.js";
import { countTokens, type Encoding } from "./tokenizer.js";

const MAX_ENTRIES = 50_000;
const cache = new Map<string, number>();

/**
 * Tokens of a text that repeats across calls, remembered under `key` (with the
 * encoding). Only exact counts are kept: an estimate made while the tables load is
 * not remembered past them.
 */
function remembered(key: string, text: () => string, encoding: Encoding, exact: boolean): number {
  const k = `${encoding}:${key}`;
  const hit = cache.get(k);
  if (hit !== undefined) return hit;
  const n = countTokens(text(), encoding);
  if (exact) {
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(k, n);
  }
  return n;
}

/**
 * Tokens of a memory's escaped content, remembered per memory (id and length: an
 * edit that keeps the length exactly is rare and costs a few tokens of estimate at
 * most). Memories repeat across calls — the hot set on every one — so this removes
 * most tokenisation from the hot path.
 */
export function contentTokens(id: string, content: string, encoding: Encoding, exact: boolean): number {
  return remembered(`m:${id}:${content.length}`, () => escapeMarkup(content), encoding, exact);
}

/** Tokens of a directive version's text; versions are immutable, so the id is the key. */
export function directiveTokens(
  versionId: string,
  content: string,
  encoding: Encoding,
  exact: boolean,
): number {
  return remembered(`d:${versionId}`, () => content, encoding, exact);
}
