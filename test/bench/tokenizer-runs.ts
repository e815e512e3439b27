import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import * as cl100k from "gpt-tokenizer/encoding/cl100k_base";
import * as o200k from "gpt-tokenizer/encoding/o200k_base";
import { boundedCount, LONG_RUN } from "../../src/context/tokenizer.js";
import { seededRandom } from "../support/seeded-random.js";

// Long runs of one character class (ADR-0039, "Long runs"): what one 32,000-char
// message costs through the encoder alone and through `boundedCount`, what lower
// thresholds cost just under them, how far the bounded count is above the exact
// one, and what the guard costs on prose. The encoder's merge cache is cleared
// before every sample, so no sample rides on another's. `SKIP_RAW=1` skips the
// slow encoder-alone column; `RUNS` samples (median) for the fast ones.
const RUNS = Number(process.env.RUNS ?? 3);
const SKIP_RAW = process.env.SKIP_RAW === "1";
const CHARS = 32_000;

const ENCODINGS = { o200k, cl100k } as const;
type Mod = (typeof ENCODINGS)[keyof typeof ENCODINGS];

const next = seededRandom(42);
const pick = (xs: readonly string[]) => xs[Math.floor(next() * xs.length)] as string;
const LOWER = [..."abcdefghijklmnopqrstuvwxyz"];
const CJK = Array.from({ length: 2000 }, (_, i) => String.fromCodePoint(0x4e00 + i * 7));
const EMOJI = Array.from({ length: 200 }, (_, i) => String.fromCodePoint(0x1f900 + i));
const PUNCT = [...`!"#$%&()*+,-./:;<=>?@[]^_{|}~`];

/** Up to `units` UTF-16 units of `unit()` repeated (never half a surrogate pair). */
function fill(units: number, unit: () => string): string {
  let s = "";
  for (;;) {
    const u = unit();
    if (s.length + u.length > units) return s;
    s += u;
  }
}
/** Runs of `n` characters, each run one character drawn from `alphabet`, joined by `sep`. */
const runsOf = (n: number, alphabet: readonly string[], sep = " ") =>
  fill(CHARS, () => pick(alphabet).repeat(n) + sep);

const KINDS: Record<string, (units: number) => string> = {
  "a × n": (u) => "a".repeat(u),
  "! × n": (u) => "!".repeat(u),
  "spaces × n": (u) => " ".repeat(u),
  "newlines × n": (u) => "\n".repeat(u),
  "😀 × n/2": (u) => "😀".repeat(u / 2),
  "中 × n": (u) => "中".repeat(u),
  "random letters": (u) => fill(u, () => pick(LOWER)),
  "random CJK": (u) => fill(u, () => pick(CJK)),
  "random emoji": (u) => fill(u, () => pick(EMOJI)),
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
function timed(mod: Mod, f: () => number): { ms: number; tokens: number } {
  const ms: number[] = [];
  let tokens = 0;
  for (let i = 0; i < RUNS; i++) {
    mod.clearMergeCache();
    const t0 = performance.now();
    tokens = f();
    ms.push(performance.now() - t0);
  }
  return { ms: Number(median(ms).toFixed(2)), tokens };
}
function once(mod: Mod, f: () => number): { ms: number; tokens: number } {
  mod.clearMergeCache();
  const t0 = performance.now();
  const tokens = f();
  return { ms: Number((performance.now() - t0).toFixed(1)), tokens };
}

const results: Record<string, unknown> = { chars: CHARS, longRun: LONG_RUN, runs: RUNS };

// 1. One 32,000-char message of each kind: the encoder alone, then bounded.
const message: Record<string, unknown> = {};
for (const [name, mod] of Object.entries(ENCODINGS)) {
  boundedCount(KINDS["random letters"]?.(CHARS) ?? "", mod.countTokens); // JIT warm-up
  for (const [kind, make] of Object.entries(KINDS)) {
    const text = make(CHARS);
    const raw = SKIP_RAW ? null : once(mod, () => mod.countTokens(text));
    const bounded = timed(mod, () => boundedCount(text, mod.countTokens));
    message[`${name} ${kind}`] = { raw, bounded };
    console.log(name, kind, JSON.stringify({ raw, bounded }));
  }
}
results.message = message;

// 2. Thresholds: 32,000 chars of runs one character short of each (each run one
// character of the class, drawn anew, so the merge cache does not help).
const sweep: Record<string, unknown> = {};
for (const threshold of [32, 64, 128, 200]) {
  for (const [name, mod] of Object.entries(ENCODINGS)) {
    const cases = {
      letters: runsOf(threshold - 1, LOWER),
      CJK: runsOf(threshold - 1, CJK),
      emoji: runsOf(threshold - 1, EMOJI),
      punctuation: runsOf(threshold - 1, PUNCT),
      spaces: runsOf(threshold - 1, [" "], "x"),
    };
    const row: Record<string, number> = {};
    for (const [kind, text] of Object.entries(cases)) {
      row[kind] = timed(mod, () => boundedCount(text, mod.countTokens, threshold)).ms;
    }
    sweep[`${threshold} ${name}`] = row;
    console.log("threshold", threshold, name, JSON.stringify(row));
  }
}
results.justUnderThreshold = sweep;

// 3. How far above the exact count (4,000 chars, where the encoder alone is affordable).
const over: Record<string, unknown> = {};
for (const [name, mod] of Object.entries(ENCODINGS)) {
  for (const [kind, make] of Object.entries(KINDS)) {
    const text = make(4000);
    const exact = mod.countTokens(text);
    const bounded = boundedCount(text, mod.countTokens);
    over[`${name} ${kind}`] = { exact, bounded, ratio: Number((bounded / exact).toFixed(3)) };
  }
}
results.overExact = over;
console.log(JSON.stringify(over));

// 4. Prose (the project's own docs): same count, and the guard's cost.
const files = [
  ...(await readdir("docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`),
  ...(await readdir("docs/adr")).map((f) => `docs/adr/${f}`),
];
const prose = (await Promise.all(files.map((f) => readFile(f, "utf8")))).join("\n");
const proseRows: Record<string, unknown> = {};
for (const [name, mod] of Object.entries(ENCODINGS)) {
  const raw = timed(mod, () => mod.countTokens(prose));
  const bounded = timed(mod, () => boundedCount(prose, mod.countTokens));
  proseRows[name] = { chars: prose.length, raw, bounded };
}
results.prose = proseRows;
console.log(JSON.stringify(proseRows));

// 5. A request at the caps (request.ts): 400,000 chars as 32,000-char messages, the
// costliest kinds (text new to the encoder costs it 1–4 µs a char, long runs or not),
// with the merge cache empty and after 800,000 chars of other new words filled it.
const cap: Record<string, unknown> = {};
for (const [name, mod] of Object.entries(ENCODINGS)) {
  for (const kind of ["random letters", "random CJK", "random emoji", "中 × n"]) {
    const make = KINDS[kind] as (units: number) => string;
    const request = () => Array.from({ length: 13 }, (_, i) => make(i < 12 ? CHARS : 400_000 - 12 * CHARS));
    const count = (messages: string[]) => messages.reduce((n, m) => n + boundedCount(m, mod.countTokens), 0);
    const first = request();
    const empty = once(mod, () => count(first));
    const word = () => ` ${fill(6, () => pick(LOWER))}`;
    for (let i = 0; i < 25; i++) mod.countTokens(fill(CHARS, word));
    const second = request();
    const t0 = performance.now();
    count(second);
    const full = Number((performance.now() - t0).toFixed(1));
    cap[`${name} ${kind}`] = { emptyCacheMs: empty.ms, fullCacheMs: full, tokens: empty.tokens };
    console.log("cap", name, kind, JSON.stringify(cap[`${name} ${kind}`]));
  }
}
results.requestCap = cap;

await mkdir("test/bench/results", { recursive: true });
await writeFile("test/bench/results/tokenizer-runs.json", `${JSON.stringify(results, null, 2)}\n`);
