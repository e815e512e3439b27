import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Redis } from "ioredis";

type Command = (string | number)[];

function encode(value: unknown, base64: boolean): unknown {
  if (!base64) return value;
  if (typeof value === "string")
    return value === "OK" ? value : Buffer.from(value, "utf8").toString("base64");
  if (Array.isArray(value)) return value.map((v) => encode(v, base64));
  return value;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

const isCommand = (c: unknown): c is Command =>
  Array.isArray(c) && c.length > 0 && c.every((x) => typeof x === "string" || typeof x === "number");

/**
 * A local server speaking Upstash's REST protocol (`/`, `/pipeline`, `/multi-exec`,
 * bearer auth, `Upstash-Encoding: base64`) in front of a real Redis, so the Upstash
 * adapter is tested against Redis itself. Test infrastructure only.
 */
export async function startUpstashServer(opts: { redisUrl?: string; token?: string } = {}) {
  const redis = new Redis(opts.redisUrl ?? "redis://127.0.0.1:6379", { lazyConnect: true });
  const token = opts.token ?? "upstash-test-token";
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const server = createServer(async (req, res) => {
    try {
      if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: "Unauthorized" });
      if (req.method !== "POST") return send(res, 405, { error: "POST only" });
      const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
      const body = await readJson(req);
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path === "/") {
        if (!isCommand(body)) return send(res, 400, { error: "ERR command must be a non-empty array" });
        try {
          return send(res, 200, {
            result: encode(await redis.call(String(body[0]), ...body.slice(1).map(String)), base64),
          });
        } catch (err) {
          return send(res, 400, { error: (err as Error).message });
        }
      }
      if (path === "/pipeline" || path === "/multi-exec") {
        if (!Array.isArray(body) || !body.every(isCommand))
          return send(res, 400, { error: "ERR body must be a list of commands" });
        const batch = path === "/multi-exec" ? redis.multi() : redis.pipeline();
        for (const c of body) batch.call(String(c[0]), ...c.slice(1).map(String));
        const results = (await batch.exec()) ?? [];
        return send(
          res,
          200,
          results.map(([err, value]) => (err ? { error: err.message } : { result: encode(value, base64) })),
        );
      }
      return send(res, 404, { error: "not found" });
    } catch (err) {
      return send(res, 400, { error: (err as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    port,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
    },
  };
}
