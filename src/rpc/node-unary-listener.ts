import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { Code, ConnectError, type ContextValues } from "@connectrpc/connect";
import type {
  UniversalHandler,
  UniversalServerRequest,
  UniversalServerResponse,
} from "@connectrpc/connect/protocol";

type NodeRequest = IncomingMessage | Http2ServerRequest;
type NodeResponse = ServerResponse | Http2ServerResponse;
export type NodeListener = (req: NodeRequest, res: NodeResponse) => void;

/** What a failed handler is reported with: the RPC's name, never its messages. */
export type RpcFailureReport = (rpc: string, error: unknown) => void;

/**
 * Unary handlers as a Node request listener: a call is found by its path (any query
 * ignored) and served by `serveUnary`; any other path goes to `fallback`, or gets 404
 * without one. `contextValues` makes each call's own values.
 * @throws at start-up if a handler is not unary: streams would need a listener of their own.
 */
export function unaryListener(
  handlers: readonly UniversalHandler[],
  options: {
    contextValues?: () => ContextValues;
    report: RpcFailureReport;
    fallback?: NodeListener | undefined;
  },
): NodeListener {
  const streaming = handlers.find((h) => h.method.methodKind !== "unary");
  if (streaming) throw new Error(`${streaming.requestPath}: streaming methods are not served on Node`);
  const byPath = new Map(handlers.map((h) => [h.requestPath, h]));
  const { contextValues, report, fallback } = options;
  return (req, res) => {
    const url = req.url ?? "";
    const query = url.indexOf("?");
    const handler = byPath.get(query < 0 ? url : url.slice(0, query));
    if (handler) void serveUnary(handler, req, res, contextValues?.(), report);
    else if (fallback) fallback(req, res);
    else res.writeHead(404).end();
  };
}

/**
 * Serves one unary RPC call from a Node request: the request's headers and body go to
 * Connect's universal handler (which decodes, validates limits and maps errors for every
 * protocol), and its answer is written in one piece.
 *
 * Connect's own Node adapter serves streams as well, and pays for that on every unary
 * call: it aborts the call's signal when the response closes, even after a complete
 * answer (each abort builds a DOMException with a stack trace), and it moves the body
 * through async generators and awaits each write's callback (docs/measurements.md).
 * Here the signal is aborted only when the caller leaves before the answer is
 * complete, and the answer is written with its length in one call.
 */
export async function serveUnary(
  handler: UniversalHandler,
  req: NodeRequest,
  res: NodeResponse,
  contextValues: UniversalServerRequest["contextValues"],
  report: RpcFailureReport,
): Promise<void> {
  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableFinished)
      abort.abort(new ConnectError("the caller closed the connection", Code.Canceled));
  };
  res.once("close", onClose);
  try {
    const answer = await handler({
      httpVersion: req.httpVersion,
      method: req.method ?? "",
      url: `http://${authorityOf(req)}${req.url ?? ""}`,
      header: webHeaders(req.headers),
      body: req,
      signal: abort.signal,
      contextValues,
    });
    await writeAnswer(answer, res);
  } catch (error) {
    // The universal handler turns every RPC error into an answer; what is left is a
    // failed write or a caller that went away, so the connection is all there is to end.
    if (!abort.signal.aborted) report(`${handler.service.typeName}/${handler.method.name}`, error);
    if (!res.headersSent && !res.writableEnded) {
      res.writeHead(500);
      res.end();
    } else {
      res.destroy();
    }
  } finally {
    res.off("close", onClose);
  }
}

function authorityOf(req: NodeRequest): string {
  return ("authority" in req ? req.authority : req.headers.host) ?? "localhost";
}

function webHeaders(nodeHeaders: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const key in nodeHeaders) {
    // HTTP/2 pseudo-headers (:path, :method, …) are not headers of the call.
    if (key.charCodeAt(0) === 58) continue;
    const value = nodeHeaders[key];
    if (typeof value === "string") headers.append(key, value);
    else if (value !== undefined) for (const v of value) headers.append(key, v);
  }
  return headers;
}

function nodeHeaders(headers: Headers): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  headers.forEach((value, key) => {
    const seen = out[key];
    if (seen === undefined) out[key] = value;
    else out[key] = Array.isArray(seen) ? [...seen, value] : [seen, value];
  });
  return out;
}

async function readBody(body: UniversalServerResponse["body"]): Promise<Uint8Array> {
  if (body === undefined) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
}

async function writeAnswer(answer: UniversalServerResponse, res: NodeResponse): Promise<void> {
  const body = await readBody(answer.body);
  const headers = nodeHeaders(answer.header ?? new Headers());
  // Connect's answers carry their length already, gRPC-Web's may not. With trailers
  // (gRPC) it is left out: HTTP/2 sends them after the last data frame.
  if (answer.trailer === undefined) headers["content-length"] = String(body.byteLength);
  (res as ServerResponse).writeHead(answer.status, headers);
  if (answer.trailer !== undefined) res.addTrailers(nodeHeaders(answer.trailer));
  // Headers and body leave in one write; a write error ends the connection, which
  // is all a caller that can no longer be answered needs.
  (res as ServerResponse).end(body);
}
