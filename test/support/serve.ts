import { serve } from "@hono/node-server";

/** Serves a fetch handler on a free loopback port. */
export async function serveOnLoopback(fetch: (req: Request) => Response | Promise<Response>) {
  return new Promise<{ url: string; stop(): Promise<void> }>((resolve) => {
    const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
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
