import { createServer, type IncomingMessage, type ServerOptions, type ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { type ConnectNodeAdapterOptions, connectNodeAdapter } from "@connectrpc/connect-node";
import type { Services } from "../services.js";
import { registerContextService } from "./context-service.js";
import { RPC_READ_MAX_BYTES, rpcContextValues } from "./routes.js";

type NodeListener = (
  req: IncomingMessage | Http2ServerRequest,
  res: ServerResponse | Http2ServerResponse,
) => void;

/**
 * The RPC services as a Node request listener (Connect's Node adapter); requests for
 * any other path go to `fallback`, or get 404 without one.
 */
export function nodeRequestListener(services: Services, fallback?: NodeListener): NodeListener {
  return connectNodeAdapter({
    routes: (router) => registerContextService(router),
    readMaxBytes: RPC_READ_MAX_BYTES,
    contextValues: () => rpcContextValues(services),
    ...(fallback ? { fallback: fallback as ConnectNodeAdapterOptions["fallback"] } : {}),
  });
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
