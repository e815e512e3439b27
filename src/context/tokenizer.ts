/**
 * Token counting for budgets (ADR-0039). gpt-tokenizer was chosen over js-tiktoken
 * by measurement: its o200k tables load in ~200 ms instead of ~830 ms and it encodes
 * ~2.4× faster. Even so, loading is far over the 45 ms deadline, so tables load off
 * the request path (`warmTokenizers` at start-up on Node, after the first request on
 * Workers) and until they are ready counts are a conservative estimate.
 */
export type Encoding = "o200k_base" | "cl100k_base";

type CountFn = (text: string) => number;

/** One memo per encoding, made on first use (counts differ between encodings). */
export function perEncoding<V>(make: () => V): (encoding: Encoding) => V {
  const memos = new Map<Encoding, V>();
  return (encoding) => {
    let memo = memos.get(encoding);
    if (memo === undefined) {
      memo = make();
      memos.set(encoding, memo);
    }
    return memo;
  };
}

const ready: Partial<Record<Encoding, CountFn>> = {};
const loading: Partial<Record<Encoding, Promise<void>>> = {};

async function load(encoding: Encoding): Promise<void> {
  // Static specifiers: the bundler keeps each table in the bundle but evaluates it lazily.
  const mod =
    encoding === "o200k_base"
      ? await import("gpt-tokenizer/encoding/o200k_base")
      : await import("gpt-tokenizer/encoding/cl100k_base");
  ready[encoding] = (text) => mod.countTokens(text);
}

/** Loads the tokenizer tables once; concurrent callers share the load. */
export function warmTokenizers(encodings: Encoding[] = ["o200k_base", "cl100k_base"]): Promise<void> {
  return Promise.all(
    encodings.map((e) => {
      loading[e] ??= load(e).catch((err: unknown) => {
        delete loading[e];
        throw err;
      });
      return loading[e];
    }),
  ).then(() => undefined);
}

/** Whether an encoding counts exactly (its tables are loaded). */
export function tokenizerReady(encoding: Encoding): boolean {
  return ready[encoding] !== undefined;
}

const utf8 = new TextEncoder();

/**
 * Tokens in `text`: exact when the tables are loaded (but for long runs, see
 * `boundedCount`), else an over-estimate (UTF-8 bytes / 3; BPE averages about 4
 * bytes per token on English and rarely falls under 3), so an estimated budget never
 * overflows the window in practice.
 */
export function countTokens(text: string, encoding: Encoding): number {
  if (text.length === 0) return 0;
  const exact = ready[encoding];
  return exact ? boundedCount(text, exact) : Math.ceil(utf8.encode(text).length / 3);
}

/**
 * Runs of one character class at least this long (UTF-16 units) are counted in
 * pieces of at most this many units (ADR-0039, "Long runs").
 */
export const LONG_RUN = 64;

// The pre-tokenizers' character classes: whitespace; letters and marks; digits;
// the rest (punctuation, symbols, emoji). Both encodings keep a run of whitespace,
// of punctuation or of lowercase letters in one pre-token; digits go in threes.
const SPACE = 1;
const LETTER = 2;
const DIGIT = 3;
const OTHER = 4;
/** Each code point's class, looked up once (0: not yet). */
const classes = new Uint8Array(0x110000);

function classOf(cp: number): number {
  let c = classes[cp] as number;
  if (c === 0) {
    const ch = String.fromCodePoint(cp);
    c = /\s/u.test(ch) ? SPACE : /[\p{L}\p{M}]/u.test(ch) ? LETTER : /\p{N}/u.test(ch) ? DIGIT : OTHER;
    classes[cp] = c;
  }
  return c;
}

/**
 * Tokens of `text` by the encoder `exact`, which is never handed a run of one class
 * longer than `longRun` UTF-16 units. BPE merges inside a pre-token in time
 * quadratic in its length, so one long pre-token — 32,000 × "a", "!", spaces,
 * newlines, "😀" or "中" — took 0.8–7.9 s in one call. The text between long runs is
 * counted whole, exactly; a long run is cut into pieces of at most `longRun` units
 * (never inside a surrogate pair), each counted exactly plus one token for its cut,
 * which covers the merges a cut prevents: the sum is at or above the whole's count
 * (tested on every class), 1–4 % above on varied runs and ⅛ on 32,000 × "a". UTF-8
 * bytes / 3 would not do: random letters, rare CJK characters and emoji come to
 * 1.5–3× that.
 */
export function boundedCount(text: string, exact: CountFn, longRun: number = LONG_RUN): number {
  const length = text.length;
  if (length < longRun) return exact(text);
  let n = 0;
  // Counted up to `from`; the current run of one class started at `start`.
  let from = 0;
  let start = 0;
  let runClass = 0;
  for (let i = 0; i <= length; ) {
    let c = 0;
    let width = 1;
    if (i < length) {
      let cp = text.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < length) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          width = 2;
        }
      }
      c = classOf(cp);
    }
    if (c !== runClass) {
      if (i - start >= longRun && runClass !== DIGIT) {
        if (start > from) n += exact(text.slice(from, start));
        n += runTokens(text.slice(start, i), exact, longRun);
        from = i;
      }
      runClass = c;
      start = i;
    }
    i += width;
  }
  if (from === 0) return exact(text);
  return from < length ? n + exact(text.slice(from)) : n;
}

function runTokens(run: string, exact: CountFn, piece: number): number {
  let n = 0;
  // A run of one repeated character gives the same piece again: counted once.
  let last = "";
  let lastTokens = 0;
  for (let i = 0; i < run.length; ) {
    let j = Math.min(i + piece, run.length);
    const unit = run.charCodeAt(j - 1);
    if (j < run.length && j - 1 > i && unit >= 0xd800 && unit <= 0xdbff) j--;
    const p = run.slice(i, j);
    if (p !== last) {
      last = p;
      lastTokens = exact(p);
    }
    n += lastTokens + 1;
    i = j;
  }
  return n;
}
