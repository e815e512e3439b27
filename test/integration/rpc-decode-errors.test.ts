import { connect } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ContextFixture, startContextFixture } from "../support/context-fixture.js";

// A request body that does not decode is the client's error: invalid_argument (HTTP 400,
// grpc-status 3), not internal (HTTP 500, grpc-status 13) — on every protocol and on
// both the Node listener and the Hono app.
const PATH = "/ibex.context.v1.ContextAssemblyService/AssembleContext";
const TRUNCATED = Uint8Array.from([0x0a, 0xff, 0xff]);
const frame = (payload: Uint8Array, flag = 0) => {
  const out = new Uint8Array(5 + payload.length);
  out[0] = flag;
  new DataView(out.buffer).setUint32(1, payload.length);
  out.set(payload, 5);
  return out;
};

let fx: ContextFixture;
beforeAll(async () => {
  fx = await startContextFixture();
});
afterAll(() => fx?.close());

const post = (base: string, contentType: string, body: Uint8Array) =>
  fetch(`${base}${PATH}`, {
    method: "POST",
    headers: { "content-type": contentType, authorization: `Bearer ${fx.gateway}` },
    body: body as BodyInit,
  });

describe("request bodies that do not decode", () => {
  it.each([
    ["the Node listener", () => fx.http.url],
    ["the Hono app", () => fx.serveWith({})],
  ])("Connect binary answers 400 invalid_argument through %s", async (_name, base) => {
    const res = await post(await base(), "application/proto", TRUNCATED);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: "invalid_argument",
      message: expect.stringMatching(/^parse binary/),
    });
  });

  it.each([
    ["a truncated message", frame(TRUNCATED)],
    ["a compressed frame without an encoding", frame(Uint8Array.from([1, 2, 3]), 1)],
  ])("gRPC-Web answers grpc-status 3 for %s", async (_name, body) => {
    const res = await post(fx.http.url, "application/grpc-web+proto", body);
    expect(res.status).toBe(200);
    const text = new TextDecoder().decode(new Uint8Array(await res.arrayBuffer()));
    expect(text).toMatch(/grpc-status: 3\r\n/);
  });

  it("gRPC over HTTP/2 answers grpc-status 3", async () => {
    const base = await fx.serveGrpcWith({});
    const session = connect(base);
    try {
      const trailers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = session.request({
          ":method": "POST",
          ":path": PATH,
          "content-type": "application/grpc+proto",
          te: "trailers",
          authorization: `Bearer ${fx.gateway}`,
        });
        let headers: Record<string, unknown> = {};
        req.on("response", (h) => {
          headers = h;
        });
        req.on("trailers", (t) => resolve({ ...headers, ...t }));
        req.on("end", () => resolve(headers));
        req.on("error", reject);
        req.resume();
        req.end(frame(TRUNCATED));
      });
      expect(trailers["grpc-status"]).toBe("3");
      expect(decodeURIComponent(String(trailers["grpc-message"]))).toMatch(/^parse binary/);
    } finally {
      session.close();
    }
  });
});
