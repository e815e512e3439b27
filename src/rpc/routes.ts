import { createConnectRouter, createContextValues } from "@connectrpc/connect";
import {
  type UniversalHandler,
  type UniversalHandlerOptions,
  universalServerRequestFromFetch,
  universalServerResponseToFetch,
} from "@connectrpc/connect/protocol";
import { Hono } from "hono";
import type { AppEnv, Services } from "../services.js";
import { registerContextService } from "./context-service.js";
import { withDecodeErrorsAsInvalidArgument } from "./decode-errors.js";
import { servicesKey } from "./handler.js";
import { registerSessionService } from "./session-service.js";

/** Largest RPC message accepted (a long chat history fits well inside). */
export const RPC_READ_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The Connect router with every RPC service: Connect, gRPC-Web and gRPC protocols;
 * `options` add to the read limit (compression, on Node).
 */
export function rpcRouter(options: Partial<UniversalHandlerOptions> = {}) {
  return registerSessionService(
    registerContextService(createConnectRouter({ readMaxBytes: RPC_READ_MAX_BYTES, ...options })),
  );
}

/**
 * The router's handlers as the servers mount them: a body that does not decode is the
 * client's error (invalid_argument), not the server's (decode-errors.ts).
 */
export function rpcHandlers(options: Partial<UniversalHandlerOptions> = {}): UniversalHandler[] {
  return rpcRouter(options).handlers.map(withDecodeErrorsAsInvalidArgument);
}

/** The context values a handler reads its services from. */
export function rpcContextValues(services: Services) {
  return createContextValues().set(servicesKey, services);
}

/**
 * Mounts the RPC services on the Hono app (Workers and Node's HTTP/1.1 port): each
 * method's path goes to its Connect handler with the request's services attached.
 */
export function rpcRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const handlers = new Map<string, UniversalHandler>(rpcHandlers().map((h) => [h.requestPath, h]));
  for (const path of handlers.keys()) {
    app.all(path, async (c) => {
      const handler = handlers.get(path) as UniversalHandler;
      const request = universalServerRequestFromFetch(c.req.raw, {});
      // The handler reports the request id this app's middleware settled on.
      const header = new Headers(request.header);
      header.set("x-request-id", c.var.requestId);
      const response = await handler({ ...request, header, contextValues: rpcContextValues(c.var.services) });
      return universalServerResponseToFetch(response);
    });
  }
  return app;
}
