import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { ContextAssemblyService } from "../../src/gen/ibex/context/v1/context_pb.js";
import { sentence } from "./corpus.js";

// Load generator for bench:context (run as its own process so it does not share the
// server's event loop). Phases come as JSON in argv[2]; results go to stdout as JSON.
interface Phase {
  name: string;
  transport: "connect" | "grpc";
  concurrency: number;
  seconds: number;
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
  let errors = 0;
  let degraded = 0;
  const levels: Record<string, number> = {};
  const end = performance.now() + phase.seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: phase.concurrency }, async () => {
      while (performance.now() < end) {
        const text = sentence(n++);
        const t0 = performance.now();
        try {
          const res = await client.assembleContext({
            agentId,
            sessionId: `bench-${n % 200}`,
            query: text,
            model: "gpt-4o",
            recentMessages: [{ role: "user", content: text }],
          });
          lat.push(performance.now() - t0);
          if (res.degradationLevel > 0) degraded++;
          levels[res.fallbackReason || "none"] = (levels[res.fallbackReason || "none"] ?? 0) + 1;
        } catch {
          errors++;
        }
      }
    }),
  );
  const total = lat.length + errors;
  results.push({
    ...phase,
    requests: total,
    throughput_rps: Number((total / phase.seconds).toFixed(1)),
    p50_ms: Number(q(lat, 0.5).toFixed(2)),
    p95_ms: Number(q(lat, 0.95).toFixed(2)),
    p99_ms: Number(q(lat, 0.99).toFixed(2)),
    error_rate: total ? errors / total : 0,
    degraded_share: lat.length ? degraded / lat.length : 0,
    reasons: levels,
  });
  process.stderr.write(`${JSON.stringify(results.at(-1))}\n`);
}
process.stdout.write(JSON.stringify(results));
