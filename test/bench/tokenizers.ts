import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { Miniflare } from "miniflare";

// One-time cost (import + encoder tables) and per-call cost of the candidate
// tokenizers, in Node (a fresh process per sample) and in workerd (a fresh
// Miniflare per sample; workerd's clock does not advance inside a request, so the
// cold figure there is the first request's round trip minus a warm one's).
const RUNS = Number(process.env.RUNS ?? 5);

// Each candidate loads lazily (dynamic import, bundled inline) so the first call pays the one-time work.
const lazy = (load: string, use: string) =>
  `let impl; export const count = async (t) => { impl ??= await ${load}; return ${use}; };`;
const CANDIDATES = {
  "js-tiktoken o200k": lazy(
    `Promise.all([import("js-tiktoken/lite"), import("js-tiktoken/ranks/o200k_base")]).then(([l, r]) => new l.Tiktoken(r.default))`,
    "impl.encode(t).length",
  ),
  "js-tiktoken cl100k": lazy(
    `Promise.all([import("js-tiktoken/lite"), import("js-tiktoken/ranks/cl100k_base")]).then(([l, r]) => new l.Tiktoken(r.default))`,
    "impl.encode(t).length",
  ),
  "gpt-tokenizer o200k": lazy(`import("gpt-tokenizer/encoding/o200k_base")`, "impl.countTokens(t)"),
  "gpt-tokenizer cl100k": lazy(`import("gpt-tokenizer/encoding/cl100k_base")`, "impl.countTokens(t)"),
} as const;

const TEXT = `${"The user prefers window seats on long flights and dislikes early meetings. ".repeat(140)}`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function bundle(name: string, source: string, worker: boolean): Promise<string> {
  const entry = worker
    ? `${source}
export default { async fetch(req) {
  const text = await req.text();
  return new Response(String(await count(text)));
} };`
    : `const t0 = performance.now();
const mod = await import("./impl.mjs");
const t1 = performance.now();
const text = ${JSON.stringify(TEXT)};
const first = await mod.count("Hello world");
const t2 = performance.now();
const n = await mod.count(text);
const t3 = performance.now();
for (let i = 0; i < 20; i++) await mod.count(text);
const t4 = performance.now();
console.log(JSON.stringify({ importMs: t1 - t0, firstCallMs: t2 - t1, tokens: n, hello: first, encodeMs: (t4 - t3) / 20 }));`;
  const dir = `.wrangler/tokenizer-bench/${name.replace(/\W+/g, "-")}`;
  await mkdir(dir, { recursive: true });
  if (!worker) {
    await build({
      stdin: { contents: source, resolveDir: process.cwd() },
      bundle: true,
      format: "esm",
      platform: "node",
      outfile: `${dir}/impl.mjs`,
      logLevel: "error",
    });
    await writeFile(`${dir}/main.mjs`, entry);
    return `${dir}/main.mjs`;
  }
  const out = await build({
    stdin: { contents: entry, resolveDir: process.cwd() },
    bundle: true,
    format: "esm",
    platform: "neutral",
    write: false,
    logLevel: "error",
  });
  return out.outputFiles[0]?.text ?? "";
}

async function workerdSample(script: string): Promise<{ coldMs: number; warmMs: number; tokens: number }> {
  const mf = new Miniflare({ modules: true, script, compatibilityDate: "2026-05-01" });
  await mf.ready;
  const call = async (body: string) => {
    const t0 = performance.now();
    const res = await mf.dispatchFetch("http://bench/", { method: "POST", body });
    const n = Number(await res.text());
    return { ms: performance.now() - t0, n };
  };
  const cold = await call("Hello world");
  const warm = [];
  for (let i = 0; i < 5; i++) warm.push((await call("Hello world")).ms);
  const big = await call(TEXT);
  await mf.dispose();
  return { coldMs: cold.ms - median(warm), warmMs: median(warm), tokens: big.n };
}

const results: Record<string, unknown> = {};
for (const [name, source] of Object.entries(CANDIDATES)) {
  const main = await bundle(name, source, false);
  const node = Array.from({ length: RUNS }, () =>
    JSON.parse(execFileSync("node", [main], { encoding: "utf8" })),
  );
  const script = await bundle(name, source, true);
  const wd = [];
  for (let i = 0; i < RUNS; i++) wd.push(await workerdSample(script));
  results[name] = {
    node: {
      importMs: median(node.map((r) => r.importMs)),
      firstCallMs: median(node.map((r) => r.firstCallMs)),
      encodeMsPer10kChars: median(node.map((r) => r.encodeMs)),
      tokens: node[0].tokens,
      helloWorld: node[0].hello,
    },
    workerd: {
      coldExtraMs: median(wd.map((r) => r.coldMs)),
      warmRoundTripMs: median(wd.map((r) => r.warmMs)),
      tokens: wd[0]?.tokens,
    },
    bundleKiB: Math.round(script.length / 1024),
    bundleGzipKiB: Math.round(gzipSync(script).length / 1024),
  };
  console.log(name, JSON.stringify(results[name]));
}
await mkdir("test/bench/results", { recursive: true });
await writeFile(
  "test/bench/results/tokenizers.json",
  `${JSON.stringify({ runs: RUNS, textChars: TEXT.length, results }, null, 2)}\n`,
);
