import { createServer, type IncomingMessage, type ServerOptions, type ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { createConnectRouter } from "@connectrpc/connect";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import type { Services } from "../services.js";
import { registerContextService } from "./context-service.js";
import { serveUnary } from "./node-unary-listener.js";
import { RPC_READ_MAX_BYTES, rpcContextValues } from "./routes.js";

type NodeListener = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
) => void;

/**
 * Responses smaller than this go out uncompressed even when the client accepts gzip:
 * a gateway sits next to Engram, where compressing a few kilobytes of context costs
 * more CPU on both ends (measured: 7 % of the HTTP thread under load) than the bytes
 * it saves.
 */
export const RPC_COMPRESS_MIN_BYTES = 64 * 1024;

/**
 * The RPC services as a Node request listener: each call through `serveUnary`
 * (every method of the contract is unary); requests for any other path go to
 * `fallback`, or get 404 without one.
 * @throws at start-up if a method is not unary: streams would need a listener of their own.
 */
export function nodeRequestListener(services: Services, fallback?: NodeListener): NodeListener {
  const router = registerContextService(
    createConnectRouter({
      readMaxBytes: RPC_READ_MAX_BYTES,
      acceptCompression: [compressionGzip, compressionBrotli],
      compressMinBytes: RPC_COMPRESS_MIN_BYTES,
    }),
  );
  const streaming = router.handlers.find((h) => h.method.methodKind !== "unary");
  if (streaming) throw new Error(`${streaming.requestPath}: streaming methods are not served on Node`);
  const handlers = new Map(router.handlers.map((h) => [h.requestPath, h]));
  const report = (rpc: string, error: unknown) =>
    services.logger.error("rpc handler failed", {
      rpc,
      error: error instanceof Error ? error.name : "unknown",
    });
  return (req, res) => {
    const url = req.url ?? "";
    const query = url.indexOf("?");
    const handler = handlers.get(query < 0 ? url : url.slice(0, query));
    if (handler) void serveUnary(handler, req, res, rpcContextValues(services), report);
    else if (fallback) fallback(req, res);
    else res.writeHead(404).end();
  };
}

/**
 * For `serve({ fetch: app.fetch, createServer: rpcFirst(services) })` on Node: RPC
 * paths go straight to Connect's Node adapter, everything else to the Hono app. The
 * Hono app mounts the same Connect handlers (that is how Workers serve them); on Node,
 * skipping the fetch Request, body stream and Response built around every call
 * leaves the HTTP thread more time for context assembly under load
 * (docs/measurements.md).
 */
export function rpcFirst(services: Services) {
  return ((options: ServerOptions, app: NodeListener) =>
    createServer(
      options,
      nodeRequestListener(services, app) as (req: IncomingMessage, res: ServerResponse) => void,
    )) as unknown as typeof createServer;
}
