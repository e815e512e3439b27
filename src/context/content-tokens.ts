import { escapeMarkup } from "./format.js";
import { countTokens, type Encoding } from "./tokenizer.js";

const MAX_ENTRIES = 50_000;
const cache = new Map<string, number>();

/**
 * Tokens of a memory's escaped content, remembered per memory (id, encoding and
 * length: an edit that keeps the length exactly is rare and costs a few tokens of
 * estimate at most). Memories repeat across calls — the hot set on every one — so
 * this removes most tokenisation from the hot path. Only exact counts are kept.
 */
export function contentTokens(id: string, content: string, encoding: Encoding, exact: boolean): number {
  const key = `${encoding}:${id}:${content.length}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const n = countTokens(escapeMarkup(content), encoding);
  if (exact) {
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(key, n);
  }
  return n;
}
