import { createServer, type IncomingMessage, type ServerOptions, type ServerResponse } from "node:http";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import type { Services } from "../services.js";
import { type NodeListener, unaryListener } from "./node-unary-listener.js";
import { rpcContextValues, rpcHandlers } from "./routes.js";

/**
 * Responses smaller than this go out uncompressed even when the client accepts gzip:
 * a gateway sits next to Engram, where compressing a few kilobytes of context costs
 * more CPU on both ends (measured: 7 % of the HTTP thread under load) than the bytes
 * it saves.
 */
export const RPC_COMPRESS_MIN_BYTES = 64 * 1024;

/**
 * The RPC services as a Node request listener (`unaryListener`: every method of the
 * contract is unary); requests for any other path go to `fallback`, or get 404
 * without one.
 */
export function nodeRequestListener(services: Services, fallback?: NodeListener): NodeListener {
  return unaryListener(
    rpcHandlers({
      acceptCompression: [compressionGzip, compressionBrotli],
      compressMinBytes: RPC_COMPRESS_MIN_BYTES,
    }),
    {
      contextValues: () => rpcContextValues(services),
      report: (rpc, error) =>
        services.logger.error("rpc handler failed", {
          rpc,
          error: error instanceof Error ? error.name : "unknown",
        }),
      fallback,
    },
  );
}

/**
 * For `serve({ fetch: app.fetch, createServer: rpcFirst(services) })` on Node: RPC
 * paths go straight to `nodeRequestListener`, everything else to the Hono app. The
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
