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
 * Tokens in `text`: exact when the tables are loaded, else an over-estimate (UTF-8
 * bytes / 3; BPE averages about 4 bytes per token on English and rarely falls under
 * 3), so an estimated budget never overflows the window in practice.
 */
export function countTokens(text: string, encoding: Encoding): number {
  if (text.length === 0) return 0;
  const exact = ready[encoding];
  return exact ? exact(text) : Math.ceil(utf8.encode(text).length / 3);
}
