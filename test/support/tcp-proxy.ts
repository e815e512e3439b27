import { createConnection, createServer, type Socket } from "node:net";

/**
 * A loopback TCP proxy that can cut a connection when the client sends a marker
 * (e.g. "EXEC", "COMMIT", "multi-exec"): the bytes before it are delivered, the rest
 * never is — a crash in the middle of a write, as the server sees it. Test
 * infrastructure.
 */
export async function startTcpProxy(targetPort: number) {
  let marker: Buffer | null = null;
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const kill = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (chunk: Buffer) => {
      const at = marker ? chunk.toString("latin1").toLowerCase().indexOf(marker.toString("latin1")) : -1;
      if (at >= 0) {
        // Deliver what came before the marker, so the server holds a half-sent
        // transaction, then drop the connection.
        marker = null;
        cuts++;
        upstream.write(chunk.subarray(0, at), kill);
        return;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => client.write(chunk));
    client.on("close", kill);
    upstream.on("close", kill);
    client.on("error", kill);
    upstream.on("error", kill);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    /** Arms a one-shot cut on the next client chunk containing `text` (any case). */
    cutOn(text: string) {
      marker = Buffer.from(text.toLowerCase(), "latin1");
    },
    get cuts() {
      return cuts;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
