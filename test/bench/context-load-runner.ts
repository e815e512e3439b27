import { execFile, spawn } from "node:child_process";
import { monitorEventLoopDelay, performance as nodePerformance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { promisify } from "node:util";

// Runs bench:context's load phases against one server: the Node client in a process of
// its own (context-load-client.ts), or wrk.

/** Where the load goes. */
export interface Target {
  httpUrl: string;
  grpcUrl: string;
  token: string;
  agentId: string;
}

export interface Phase {
  name: string;
  transport: "connect" | "grpc";
  concurrency: number;
  seconds: number;
  rate?: number;
  /** A warm-up at the same load in the same client process first; its figures are dropped. */
  warmUpSeconds?: number;
}

/** Answers by degradation level so far, as the server counted them. */
export type LevelCounts = () => Record<number, number>;

/** The server's own figures from now until the returned function is called. */
export function serverMeter() {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const busy = nodePerformance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  return (requests: number) => {
    const { active } = nodePerformance.eventLoopUtilization(busy);
    const used = process.cpuUsage(cpu);
    delay.disable();
    const ms = (p: number) => Number((delay.percentile(p) / 1e6).toFixed(1));
    const per = (x: number) => Number((x / Math.max(1, requests)).toFixed(3));
    return {
      server_event_loop_delay_ms: { p50: ms(50), p99: ms(99), max: ms(100) },
      // The HTTP thread's busy time per answer: what bounds throughput once it saturates.
      server_thread_ms_per_request: per(active),
      // CPU time of the whole server process (HTTP and database threads) per answer.
      server_cpu_ms_per_request: per((used.user + used.system) / 1000),
    };
  };
}

/** Runs phases in one client process; `onPhaseDone` hears each phase's name as it ends. */
export function loadOnce(
  target: Target,
  phases: Phase[],
  onPhaseDone: (name: string) => void = () => {},
): Promise<Record<string, unknown>[]> {
  const args = { ...target, phases };
  const child = spawn("npx", ["tsx", "test/bench/context-load-client.ts", JSON.stringify(args)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  // The client writes each phase's result to stderr as one JSON line when it ends.
  createInterface({ input: child.stderr }).on("line", (line) => {
    try {
      onPhaseDone(String((JSON.parse(line) as { name?: unknown }).name));
    } catch {
      process.stderr.write(`${line}\n`);
    }
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`load client exited with ${code}`));
      else resolve(JSON.parse(stdout) as Record<string, unknown>[]);
    });
  });
}

/**
 * Runs load phases, each in a client process of its own (after its warm-up, in the
 * same process), with the server's figures recorded over the measured part only: the
 * event-loop delay tells time queued in the server's HTTP thread from time lost in
 * the client or the OS scheduler.
 */
export async function load(target: Target, phases: Phase[]) {
  const out: Record<string, unknown>[] = [];
  for (const { warmUpSeconds, ...phase } of phases) {
    let meter = serverMeter();
    const warmUp = warmUpSeconds ? [{ ...phase, name: `${phase.name}-warm-up`, seconds: warmUpSeconds }] : [];
    const results = await loadOnce(target, [...warmUp, phase], (name) => {
      if (name === warmUp[0]?.name) meter = serverMeter();
    });
    const r = results.at(-1) ?? {};
    out.push({ ...r, ...(warmUpSeconds ? { warm_up_s: warmUpSeconds } : {}), ...meter(Number(r.requests)) });
  }
  return out;
}

/**
 * 50 connections from wrk (test/bench/context-wrk.lua) for `seconds` after a 10-s
 * warm-up, with the server's figures over the measured part; answers by level come
 * from `levels`, as wrk does not read the bodies. Null without wrk.
 */
export async function wrkPhase(
  target: Target,
  seconds: number,
  levels: LevelCounts,
): Promise<Record<string, unknown> | null> {
  const run = (s: number) =>
    promisify(execFile)(
      "wrk",
      ["-t1", "-c50", `-d${s}s`, "--timeout", "10s", "-s", "test/bench/context-wrk.lua", target.httpUrl],
      { env: { ...process.env, ENGRAM_TOKEN: target.token, ENGRAM_AGENT: target.agentId } },
    );
  try {
    await run(10);
    const before = levels();
    const meter = serverMeter();
    const { stdout } = await run(seconds);
    const r = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
      requests: number;
      seconds: number;
      errors: number;
    };
    const figures = meter(r.requests);
    // Answers to the last requests in flight are counted too: shares are of all answers.
    const after = levels();
    const byLevel = Object.fromEntries(
      Object.entries(after).map(([level, n]) => [level, n - (before[Number(level)] ?? 0)]),
    );
    const answers = Object.values(byLevel).reduce((a, b) => a + b, 0);
    const degraded = answers - (byLevel[0] ?? 0);
    return {
      name: "wrk-50",
      ...r,
      throughput_rps: Number((r.requests / r.seconds).toFixed(1)),
      error_rate: r.requests ? r.errors / r.requests : 0,
      degraded_share: answers ? Number((degraded / answers).toFixed(4)) : 0,
      levels: byLevel,
      warm_up_s: 10,
      ...figures,
    };
  } catch (err) {
    process.stderr.write(`wrk phase skipped: ${err instanceof Error ? err.message : String(err)}\n`);
    return null;
  }
}
