import { monitorEventLoopDelay, performance as nodePerformance } from "node:perf_hooks";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { ContextAssemblyService } from "../../src/gen/ibex/context/v1/context_pb.js";
import { sentence } from "./corpus.js";

// Load generator for bench:context (run as its own process so it does not share the
// server's event loop). Phases come as JSON in argv[2]; results go to stdout as JSON.
interface Phase {
  name: string;
  transport: "connect" | "grpc";
  /** Closed loop: this many callers, each sending its next request when the last is answered. */
  concurrency: number;
  seconds: number;
  /**
   * Open loop: requests arrive at this fixed rate whatever the answers do (a gateway's
   * traffic does not wait for Engram), at most `concurrency` in flight; latency runs
   * from the scheduled arrival, so time spent queued in the client counts too.
   */
  rate?: number;
}
const { httpUrl, grpcUrl, token, agentId, phases } = JSON.parse(process.argv[2] ?? "{}") as {
  httpUrl: string;
  grpcUrl: string;
  token: string;
  agentId: string;
  phases: Phase[];
};
const auth: Interceptor = (next) => (req) => {
  req.header.set("authorization", `Bearer ${token}`);
  return next(req);
};
const clients = {
  connect: createClient(
    ContextAssemblyService,
    createConnectTransport({
      baseUrl: httpUrl,
      httpVersion: "1.1",
      useBinaryFormat: true,
      interceptors: [auth],
    }),
  ),
  grpc: createClient(ContextAssemblyService, createGrpcTransport({ baseUrl: grpcUrl, interceptors: [auth] })),
};
const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;

const results = [];
for (const phase of phases) {
  const client = clients[phase.transport];
  const lat: number[] = [];
  /** Latencies by the 10-s window they finished in: does the tail grow as the phase runs? */
  const windows: number[][] = [];
  /** The assembly's own time as the server reports it (metrics.total_ms). */
  const server: number[] = [];
  let errors = 0;
  let degraded = 0;
  /** Answers by fallback reason, and by degradation level (0 full … 3 empty). */
  const reasons: Record<string, number> = {};
  const levels: Record<number, number> = {};
  let n = 0;
  const one = async (scheduled: number) => {
    const text = sentence(n++);
    try {
      const res = await client.assembleContext({
        agentId,
        sessionId: `bench-${n % 200}`,
        query: text,
        model: "gpt-4o",
        recentMessages: [{ role: "user", content: text }],
      });
      const done = performance.now();
      lat.push(done - scheduled);
      const w = Math.floor((done - start) / 10_000);
      windows[w] ??= [];
      windows[w].push(done - scheduled);
      server.push(res.metrics?.totalMs ?? 0);
      if (res.degradationLevel > 0) degraded++;
      reasons[res.fallbackReason || "none"] = (reasons[res.fallbackReason || "none"] ?? 0) + 1;
      levels[res.degradationLevel] = (levels[res.degradationLevel] ?? 0) + 1;
    } catch {
      errors++;
    }
  };
  // The client's own load: when its thread is saturated, time queued here is latency too.
  const busy = nodePerformance.eventLoopUtilization();
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const start = performance.now();
  const end = start + phase.seconds * 1000;
  if (phase.rate) {
    const interval = 1000 / phase.rate;
    let inFlight = 0;
    const waiting: number[] = [];
    const running: Promise<void>[] = [];
    const launch = (scheduled: number) => {
      inFlight++;
      const p = one(scheduled).finally(() => {
        inFlight--;
        const next = waiting.shift();
        if (next !== undefined) launch(next);
      });
      running.push(p);
    };
    for (let i = 0; start + i * interval < end; i++) {
      const at = start + i * interval;
      const wait = at - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      if (inFlight < phase.concurrency) launch(at);
      else waiting.push(at);
    }
    while (waiting.length > 0 || inFlight > 0) await Promise.all(running);
  } else {
    await Promise.all(
      Array.from({ length: phase.concurrency }, async () => {
        while (performance.now() < end) await one(performance.now());
      }),
    );
  }
  const clientBusy = nodePerformance.eventLoopUtilization(busy).utilization;
  delay.disable();
  const total = lat.length + errors;
  results.push({
    ...phase,
    requests: total,
    throughput_rps: Number((total / ((performance.now() - start) / 1000)).toFixed(1)),
    p50_ms: Number(q(lat, 0.5).toFixed(2)),
    p95_ms: Number(q(lat, 0.95).toFixed(2)),
    p99_ms: Number(q(lat, 0.99).toFixed(2)),
    server_total_ms: { p50: q(server, 0.5), p95: q(server, 0.95), p99: q(server, 0.99), max: q(server, 1) },
    error_rate: total ? errors / total : 0,
    degraded_share: lat.length ? degraded / lat.length : 0,
    full_answers_rps: Number(((lat.length - degraded) / ((performance.now() - start) / 1000)).toFixed(1)),
    reasons,
    levels,
    p95_ms_by_10s: windows.map((w) => Number(q(w, 0.95).toFixed(1))),
    client_thread_utilization: Number(clientBusy.toFixed(3)),
    client_event_loop_delay_ms: {
      p50: Number((delay.percentile(50) / 1e6).toFixed(1)),
      p99: Number((delay.percentile(99) / 1e6).toFixed(1)),
    },
  });
  process.stderr.write(`${JSON.stringify(results.at(-1))}\n`);
}
process.stdout.write(JSON.stringify(results));
