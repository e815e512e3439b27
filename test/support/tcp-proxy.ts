import { createConnection, createServer, type Socket } from "node:net";

/**
 * A loopback TCP proxy for fault tests. It can cut a connection when the client sends
 * a marker (e.g. "EXEC", "COMMIT", "multi-exec"): the bytes before it are delivered,
 * the rest never is — a crash in the middle of a write, as the server sees it. It can
 * also delay every chunk in each direction (a slow link), and go down (every
 * connection dropped, new ones refused) and come back up on the same port. Test
 * infrastructure.
 */
export async function startTcpProxy(targetPort: number) {
  let marker: Buffer | null = null;
  let cuts = 0;
  let latencyMs = 0;
  let listening = false;
  /** Every open connection pair, by the function that drops it. */
  const pairs = new Set<() => void>();

  const server = createServer((client) => {
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
    const timers = new Set<NodeJS.Timeout>();
    const kill = () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      client.destroy();
      upstream.destroy();
      pairs.delete(kill);
    };
    pairs.add(kill);
    // Each direction is a FIFO: a chunk leaves `latencyMs` after it arrived and never
    // before the one ahead of it.
    const direction = (to: Socket) => {
      const queue: { chunk: Buffer; at: number; then: (() => void) | undefined }[] = [];
      let timer: NodeJS.Timeout | null = null;
      const schedule = (head: { at: number }) => {
        timer = setTimeout(pump, Math.max(0, head.at - performance.now()));
        timers.add(timer);
      };
      function pump() {
        if (timer) timers.delete(timer);
        timer = null;
        while (queue[0] && queue[0].at <= performance.now()) {
          const { chunk, then } = queue.shift() as (typeof queue)[number];
          if (!to.destroyed) to.write(chunk, then);
        }
        if (queue[0]) schedule(queue[0]);
      }
      return (chunk: Buffer, then?: () => void) => {
        if (latencyMs === 0 && queue.length === 0) {
          to.write(chunk, then);
          return;
        }
        queue.push({ chunk, at: performance.now() + latencyMs, then });
        if (!timer) schedule(queue[0] as { at: number });
      };
    };
    const toUpstream = direction(upstream);
    const toClient = direction(client);
    client.on("data", (chunk: Buffer) => {
      const at = marker ? chunk.toString("latin1").toLowerCase().indexOf(marker.toString("latin1")) : -1;
      if (at >= 0) {
        // Deliver what came before the marker, so the server holds a half-sent
        // transaction, then drop the connection.
        marker = null;
        cuts++;
        toUpstream(chunk.subarray(0, at), kill);
        return;
      }
      toUpstream(chunk);
    });
    upstream.on("data", (chunk: Buffer) => toClient(chunk));
    client.on("close", kill);
    upstream.on("close", kill);
    client.on("error", kill);
    upstream.on("error", kill);
  });

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        listening = true;
        resolve();
      });
    });
  const dropAll = () => {
    for (const kill of [...pairs]) kill();
  };
  const closeListener = async () => {
    if (!listening) return;
    listening = false;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  await listen(0);
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
    /** Delays every chunk by `ms` in each direction (a round trip gains 2 × ms); 0 turns it off. */
    setLatency(ms: number) {
      latencyMs = Math.max(0, ms);
    },
    /** How many connections pass through now. */
    get connections() {
      return pairs.size;
    },
    /**
     * Goes down: drops every connection (as a crashed server's peer sees it) and stops
     * listening, so new connections are refused (ECONNREFUSED).
     */
    async down() {
      const closed = closeListener();
      dropAll();
      await closed;
    },
    /** Comes back on the same port. */
    async up() {
      if (listening) return;
      // The port was ours a moment ago; in the rare case another socket took it
      // meanwhile, wait for it to go rather than move the service elsewhere.
      for (let attempt = 0; ; attempt++) {
        try {
          await listen(port);
          return;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= 50) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async stop() {
      const closed = closeListener();
      dropAll();
      await closed;
    },
  };
}
