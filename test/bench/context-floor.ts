import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fromBinary } from "@bufbuild/protobuf";
import { createConnectRouter } from "@connectrpc/connect";
import {
  AssembleContextResponseSchema,
  ContextAssemblyService,
} from "../../src/gen/ibex/context/v1/context_pb.js";
import { unaryListener } from "../../src/rpc/node-unary-listener.js";

// The floors under bench:context's figures, measured in the same run: servers that
// answer every AssembleContext with one canned answer (a real one, captured first) and
// do no work for it. What the load client measures against them is the client's own
// limit ("http": a plain Node HTTP server writing the answer's bytes) and the client's
// with the transport's on top ("connect": the same Connect router and Node listener the
// real server uses). On one small machine the client shares the cores with the server.

export interface FloorServers {
  httpUrl: string;
  connectUrl: string;
  close(): Promise<void>;
}

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );

/** Starts both floor servers with `answer`, an AssembleContextResponse's bytes. */
export async function startFloorServers(answer: Uint8Array): Promise<FloorServers> {
  const plain = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/proto", "content-length": answer.byteLength });
      res.end(answer);
    });
  });
  const message = fromBinary(AssembleContextResponseSchema, answer);
  const router = createConnectRouter().service(ContextAssemblyService, { assembleContext: () => message });
  const connect = createServer(unaryListener(router.handlers, { report: () => undefined }));
  const [httpUrl, connectUrl] = await Promise.all([listen(plain), listen(connect)]);
  const closed = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    httpUrl,
    connectUrl,
    close: async () => {
      plain.closeAllConnections();
      connect.closeAllConnections();
      await Promise.all([closed(plain), closed(connect)]);
    },
  };
}
