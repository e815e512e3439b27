import { once } from "node:events";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createConnectRouter } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AssembleContextRequestSchema,
  AssembleContextResponseSchema,
  ContextAssemblyService,
} from "../gen/ibex/context/v1/context_pb.js";
import { unaryListener } from "./node-unary-listener.js";

// The listener is the unit here: a stand-in service behind it, real HTTP and real
// Connect clients in front.
const seen: { signal?: AbortSignal; reason?: unknown } = {};
const failures: string[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  const router = createConnectRouter({ readMaxBytes: 1024 }).service(ContextAssemblyService, {
    async assembleContext(req, ctx) {
      if (req.query === "wait") {
        seen.signal = ctx.signal;
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener("abort", () => resolve(), { once: true }),
        );
        seen.reason = ctx.signal.reason;
        throw new ConnectError("gone", Code.Canceled);
      }
      if (req.query === "missing") throw new ConnectError("no such agent", Code.NotFound);
      return create(AssembleContextResponseSchema, {
        assembledContext: `echo ${req.query}`,
        requestId: req.agentId,
      });
    },
  });
  server = createServer(unaryListener(router.handlers, { report: (rpc) => failures.push(rpc) }));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const path = "/ibex.context.v1.ContextAssemblyService/AssembleContext";

/** A raw HTTP/1.1 call, so the framing on the wire can be checked. */
function post(body: string | Uint8Array, signal?: AbortSignal, contentType = "application/json", to = path) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string; bytes: number }>(
    (resolve, reject) => {
      const req = request(`${url}${to}`, {
        method: "POST",
        headers: { "content-type": contentType },
        signal,
      });
      req.on("error", reject);
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const all = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: all.toString(),
            bytes: all.length,
          });
        });
      });
      req.end(body);
    },
  );
}

describe("unaryListener", () => {
  it("answers Connect and gRPC-Web clients", async () => {
    for (const transport of [
      createConnectTransport({ baseUrl: url, httpVersion: "1.1" }),
      createConnectTransport({ baseUrl: url, httpVersion: "1.1", useBinaryFormat: false }),
      createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" }),
    ]) {
      const client = createClient(ContextAssemblyService, transport);
      const res = await client.assembleContext({ agentId: "a1", query: "hello" });
      expect(res.assembledContext).toBe("echo hello");
      await expect(client.assembleContext({ agentId: "a1", query: "missing" })).rejects.toMatchObject({
        code: Code.NotFound,
      });
    }
  });

  it("finds a call by its path, query aside, and answers 404 for any other path", async () => {
    const body = JSON.stringify({ agentId: "a1", query: "q" });
    const withQuery = await post(body, undefined, "application/json", `${path}?trace=1`);
    expect(JSON.parse(withQuery.body)).toMatchObject({ assembledContext: "echo q" });
    expect((await post(body, undefined, "application/json", "/nope")).status).toBe(404);
  });

  it("sends the answer with its length", async () => {
    const res = await post(JSON.stringify({ agentId: "a1", query: "framing" }));
    expect(res.status).toBe(200);
    expect(res.headers["transfer-encoding"]).toBeUndefined();
    expect(Number(res.headers["content-length"])).toBe(Buffer.byteLength(res.body));
    expect(JSON.parse(res.body)).toMatchObject({ assembledContext: "echo framing" });
    // gRPC-Web answers come from Connect without a length: the listener adds it.
    const message = toBinary(
      AssembleContextRequestSchema,
      create(AssembleContextRequestSchema, { query: "web" }),
    );
    const frame = new Uint8Array(5 + message.length);
    new DataView(frame.buffer).setUint32(1, message.length);
    frame.set(message, 5);
    const web = await post(frame, undefined, "application/grpc-web+proto");
    expect(web.status).toBe(200);
    expect(web.headers["transfer-encoding"]).toBeUndefined();
    expect(Number(web.headers["content-length"])).toBe(web.bytes);
    expect(web.body).toContain("echo web");
  });

  it("refuses a message over the read limit with a Connect error", async () => {
    const res = await post(JSON.stringify({ agentId: "a1", query: "x".repeat(4096) }));
    expect(res.status).toBe(429);
    expect(JSON.parse(res.body)).toMatchObject({ code: "resource_exhausted" });
  });

  it("aborts the call's signal as Canceled when the caller leaves before the answer", async () => {
    const leave = new AbortController();
    const call = post(JSON.stringify({ agentId: "a1", query: "wait" }), leave.signal).catch(() => "left");
    await expect.poll(() => seen.signal).toBeDefined();
    expect(seen.signal?.aborted).toBe(false);
    leave.abort();
    expect(await call).toBe("left");
    await expect.poll(() => seen.reason).toBeDefined();
    expect(ConnectError.from(seen.reason).code).toBe(Code.Canceled);
    // A caller that went away is not a handler failure.
    expect(failures).toEqual([]);
  });
});
