import { createConnection } from "node:net";
import { WebSocketServer } from "ws";

/**
 * A WebSocket-to-TCP relay on loopback, the piece Neon runs in front of Postgres: each
 * WebSocket carries one Postgres connection to `?address=host:port`. Only loopback
 * targets are relayed.
 */
export async function startWsRelay(): Promise<{ port: number; url: string; stop(): Promise<void> }> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  wss.on("connection", (ws, req) => {
    const address = new URL(req.url ?? "/", "http://relay").searchParams.get("address") ?? "";
    const [host, portText] = address.split(":");
    if (host !== "127.0.0.1" && host !== "localhost") {
      ws.close(1008, "only loopback targets");
      return;
    }
    const tcp = createConnection({ host: "127.0.0.1", port: Number(portText) });
    const pending: Buffer[] = [];
    let open = false;
    tcp.on("connect", () => {
      open = true;
      for (const chunk of pending) tcp.write(chunk);
      pending.length = 0;
    });
    ws.on("message", (data: Buffer) => (open ? tcp.write(data) : pending.push(data)));
    tcp.on("data", (chunk) => ws.send(chunk));
    tcp.on("close", () => ws.close());
    tcp.on("error", () => ws.close());
    ws.on("close", () => tcp.destroy());
  });
  await new Promise<void>((resolve) => wss.on("listening", () => resolve()));
  const port = (wss.address() as { port: number }).port;
  return {
    port,
    url: `127.0.0.1:${port}/v2`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
