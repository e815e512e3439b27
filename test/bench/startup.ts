import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Time from spawning `npm start` to the first 200 from /health, for a fresh data
// directory (migrations + bootstrap) and a warm one (restart). Medians of RUNS each.
const RUNS = Number(process.env.RUNS ?? 5);
const PORT = 18_000 + Math.floor(Math.random() * 1000);

async function waitForHealth(deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(`http://127.0.0.1:${PORT}/health`);
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

async function timeStart(dataDir: string): Promise<number> {
  const started = performance.now();
  const child = spawn("npm", ["start"], {
    env: { ...process.env, PORT: String(PORT), ENGRAM_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    stdio: "ignore",
    detached: true,
  });
  const ok = await waitForHealth(30_000);
  const ms = performance.now() - started;
  if (child.pid) process.kill(-child.pid, "SIGTERM");
  await new Promise((r) => child.once("exit", r));
  if (!ok) throw new Error("server did not become healthy within 30 s");
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const fresh: number[] = [];
const warm: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const dir = await mkdtemp(join(tmpdir(), "engram-bench-"));
  fresh.push(await timeStart(dir));
  warm.push(await timeStart(dir));
  await rm(dir, { recursive: true, force: true });
}
const result = {
  runs: RUNS,
  fresh_ms: { median: Math.round(median(fresh)), all: fresh.map(Math.round) },
  warm_ms: { median: Math.round(median(warm)), all: warm.map(Math.round) },
  node: process.version,
  at: new Date().toISOString(),
};
process.stdout.write(
  `npm start -> /health 200\n  fresh data dir: median ${result.fresh_ms.median} ms  (${result.fresh_ms.all.join(", ")})\n  warm restart:   median ${result.warm_ms.median} ms  (${result.warm_ms.all.join(", ")})\n`,
);
await writeFile("test/bench/results/startup.json", `${JSON.stringify(result, null, 2)}\n`);
