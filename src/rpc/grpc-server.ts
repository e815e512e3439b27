import { createServer, type Http2Server, type ServerHttp2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import type { Services } from "../services.js";
import { nodeRequestListener } from "./node-listener.js";

export interface GrpcServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The RPC services over HTTP/2 without TLS (h2c) on their own port: gRPC for
 * gateways with gRPC clients, plus Connect and gRPC-Web over HTTP/2. TLS is the
 * job of the load balancer or mesh in front of it.
 */
export function startGrpcServer(services: Services, port: number, host: string): Promise<GrpcServer> {
  const server: Http2Server = createServer(nodeRequestListener(services));
  const sessions = new Set<ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.once("close", () => sessions.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Clients keep HTTP/2 sessions open; end them so close() can finish.
            for (const s of sessions) s.close();
          }),
      });
    });
  });
}
