import { countTokens, type Encoding, perEncoding } from "./tokenizer.js";

const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A UUID as Postgres prints it: lowercase hex in 8-4-4-4-12 groups. */
export const isCanonicalUuid = (id: string) => CANONICAL.test(id);

/**
 * Counts of the pre-tokens a UUID splits into, per encoding. Short ones (a run of up
 * to three digits, up to four letters with or without a dash) are kept in a table
 * indexed by a number computed while scanning, so no string is built; longer letter
 * runs, which are rare, in a map.
 */
interface Counts {
  short: Uint8Array;
  long: Map<string, number>;
}
const DIGITS = 4000; // keys below: length * 1000 + value
const SHORT = DIGITS + 10 * 1296; // then (dash * 5 + length) * 6^4 + letters in base 6
const LONG_MAX = 50_000;

const isDigit = (c: number) => c >= 48 && c <= 57;
const isLetter = (c: number) => c >= 97 && c <= 102;

const countsFor = perEncoding<Counts>(() => ({ short: new Uint8Array(SHORT), long: new Map() }));

/**
 * Tokens of a canonical UUID (lowercase hex with dashes), exact, without running the
 * tokenizer on it. Every memory line carries its id, and a search brings back ids
 * never seen before: through the tokenizer a UUID costs 4–12 µs (its ~20 pre-tokens
 * each go through the splitting regex), which at 50 new memories per answer was a
 * large part of counting. On this alphabet the cl100k and o200k pre-tokenizers split
 * alike: digits in runs of at most three, a dash with the letters that follow it, a
 * dash alone before a digit, a letter run alone. So the count is a sum of remembered
 * pre-token counts. Anything else is counted by the tokenizer. Callers place the id
 * where pre-tokens start and end (after `="`, before `"`).
 */
export function uuidTokens(id: string, encoding: Encoding, exact: boolean): number {
  if (!exact || !isCanonicalUuid(id)) return countTokens(id, encoding);
  const { short, long } = countsFor(encoding);
  let n = 0;
  let i = 0;
  while (i < id.length) {
    const start = i;
    let key: number;
    if (isDigit(id.charCodeAt(i))) {
      let value = 0;
      while (i < id.length && i - start < 3 && isDigit(id.charCodeAt(i)))
        value = value * 10 + id.charCodeAt(i++) - 48;
      key = (i - start) * 1000 + value;
    } else {
      // A dash takes the letter run that follows it; a letter run ends at a digit or dash.
      const dash = id.charCodeAt(i) === 45 ? 1 : 0;
      i += dash;
      let letters = 0;
      const from = i;
      while (i < id.length && isLetter(id.charCodeAt(i))) letters = letters * 6 + id.charCodeAt(i++) - 97;
      const length = i - from;
      key = length <= 4 ? DIGITS + (dash * 5 + length) * 1296 + letters : -1;
    }
    if (key < 0) {
      const pre = id.slice(start, i);
      let k = long.get(pre);
      if (k === undefined) {
        k = countTokens(pre, encoding);
        if (long.size >= LONG_MAX) long.clear();
        long.set(pre, k);
      }
      n += k;
      continue;
    }
    let k = short[key] as number;
    if (k === 0) {
      k = countTokens(id.slice(start, i), encoding) + 1;
      short[key] = k;
    }
    n += k - 1;
  }
  return n;
}
