import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";

/**
 * Connect-ES reports a request body it cannot decode as protobuf ("parse binary: …")
 * with code `internal` — HTTP 500 over the Connect protocol, grpc-status 13 over gRPC
 * and gRPC-Web — as the gRPC spec words it. But the bytes are the client's: a gateway
 * retrying on 5xx would resend them forever, and an alert on 5xx would page for them.
 * This wrapper answers them as `invalid_argument` (400 / grpc-status 3) with the same
 * message; every other error passes unchanged. Only error answers are inspected:
 * a Connect error body (small JSON), the gRPC-Web trailer frame, the gRPC trailers.
 */
export function withDecodeErrorsAsInvalidArgument(handler: UniversalHandler): UniversalHandler {
  const wrapped = async (req: Parameters<UniversalHandler>[0]): Promise<UniversalServerResponse> => {
    const res = await handler(req);
    const type = res.header?.get("content-type") ?? "";
    if (res.status === 500 && type.startsWith("application/json") && res.body) {
      return connectError(res, res.body);
    }
    if (res.status === 200 && type.startsWith("application/grpc") && res.body) {
      // A rewritten trailer frame is a byte shorter: the length, if declared, no longer holds.
      let header = res.header;
      if (header?.has("content-length")) {
        header = new Headers(header);
        header.delete("content-length");
      }
      return { ...res, header, body: grpcBody(res, res.body, type.startsWith("application/grpc-web")) };
    }
    return res;
  };
  return Object.assign(wrapped, handler);
}

/** How Connect-ES words the request decoding failures it reports as `internal`. */
const DECODE_ERRORS = ["parse binary:", "received compressed envelope, but do not know how to decompress"];
const isDecodeError = (message: string | null | undefined) =>
  message != null && DECODE_ERRORS.some((prefix) => message.startsWith(prefix));
/** A grpc-message header value is percent-encoded. */
const isEncodedDecodeError = (value: string | null | undefined) => {
  try {
    return value != null && isDecodeError(decodeURIComponent(value));
  } catch {
    return false;
  }
};

async function connectError(
  res: UniversalServerResponse,
  body: AsyncIterable<Uint8Array>,
): Promise<UniversalServerResponse> {
  const chunks: Uint8Array[] = [];
  for await (const c of body) chunks.push(c);
  const bytes = concat(chunks);
  try {
    const err = JSON.parse(new TextDecoder().decode(bytes)) as { code?: string; message?: string };
    if (err.code === "internal" && isDecodeError(err.message)) {
      const fixed = new TextEncoder().encode(JSON.stringify({ ...err, code: "invalid_argument" }));
      const header = new Headers(res.header);
      if (header.has("content-length")) header.set("content-length", String(fixed.byteLength));
      return { ...res, status: 400, header, body: once(fixed) };
    }
  } catch {
    // Not an error body we know: pass it on as it was.
  }
  return { ...res, body: once(bytes) };
}

/** Passes the frames through; rewrites the status in the trailer (frame or trailers) of a decode error. */
async function* grpcBody(
  res: UniversalServerResponse,
  body: AsyncIterable<Uint8Array>,
  web: boolean,
): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    // gRPC-Web's trailers travel as the last frame, flag 0x80, in one chunk of its own.
    if (web && chunk[0] === 0x80) {
      const text = new TextDecoder().decode(chunk.subarray(5));
      const message = /grpc-message:\s*([^\r\n]*)/.exec(text)?.[1];
      if (/grpc-status:\s*13\r?\n/.test(text) && isEncodedDecodeError(message)) {
        yield trailerFrame(text.replace(/grpc-status:\s*13/, "grpc-status: 3"));
        continue;
      }
    }
    yield chunk;
  }
  // gRPC's trailers are sent after the body: set them before it ends.
  const t = res.trailer;
  if (!web && t?.get("grpc-status") === "13" && isEncodedDecodeError(t.get("grpc-message"))) {
    t.set("grpc-status", "3");
  }
}

function trailerFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const frame = new Uint8Array(5 + payload.length);
  frame[0] = 0x80;
  new DataView(frame.buffer).setUint32(1, payload.length);
  frame.set(payload, 5);
  return frame;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
