import type { createServer as createHttpServer } from "node:http";
import { serve } from "@hono/node-server";

type CreateServer = typeof createHttpServer;

/** Serves a fetch handler on a free loopback port (with `createServer`, as the Node entry does). */
export async function serveOnLoopback(
  fetch: (req: Request) => Response | Promise<Response>,
  createServer?: CreateServer,
) {
  return new Promise<{ url: string; stop(): Promise<void> }>((resolve) => {
    const server = serve(
      { fetch, port: 0, hostname: "127.0.0.1", ...(createServer ? { createServer } : {}) },
      (info) =>
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          stop: () =>
            new Promise<void>((r) => {
              server.close(() => r());
              // Keep-alive clients (Connect transports) would hold close() open.
              (server as { closeAllConnections?: () => void }).closeAllConnections?.();
            }),
        }),
    );
  });
}
