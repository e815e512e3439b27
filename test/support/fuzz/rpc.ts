import { create, type DescMessage, type DescMethod, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { deepJson, invalidUtf8, wrongValue } from "./arbitraries.js";

/** One malformed RPC request and the check of its answer. */
export interface RpcCase {
  kind: string;
  headers: Record<string, string>;
  body: Uint8Array | string;
  /** What was wrong with the answer, or null. */
  check(res: Response): Promise<string | null>;
}

/** Codes that mean the server failed rather than refused the input. */
const SERVER_FAULTS = new Set(["internal", "unknown", "data_loss"]);
const GRPC_SERVER_FAULTS = new Set([2, 13, 15]);

/** A plain valid message as JSON: each field a value of its kind, ids the fixture's. */
function validJson(input: DescMessage, agentId: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of input.fields) {
    if (f.fieldKind === "scalar" && f.scalar === 9) out[f.jsonName] = f.name.endsWith("_id") ? agentId : "x";
  }
  return out;
}

function validBinary(input: DescMessage, agentId: string): Uint8Array {
  const init: Record<string, unknown> = {};
  for (const f of input.fields) {
    if (f.fieldKind === "scalar" && f.scalar === 9)
      init[f.localName] = f.name.endsWith("_id") ? agentId : "x";
  }
  return toBinary(input, create(input, init));
}

async function connectCheck(res: Response): Promise<string | null> {
  if (res.status >= 500) return `status ${res.status}: ${(await res.text()).slice(0, 200)}`;
  if (res.status === 200) return null;
  const text = await res.text();
  let body: { code?: unknown };
  try {
    body = JSON.parse(text);
  } catch {
    return `status ${res.status} without a Connect error body`;
  }
  if (typeof body.code !== "string") return `status ${res.status}: error without a code`;
  if (SERVER_FAULTS.has(body.code)) return `code ${body.code}`;
  return null;
}

/** The grpc-status of a gRPC-Web answer: a header (trailers-only) or the trailer frame. */
async function grpcWebStatus(res: Response): Promise<number | null> {
  const header = res.headers.get("grpc-status");
  if (header !== null) return Number(header);
  const bytes = new Uint8Array(await res.arrayBuffer());
  let at = 0;
  while (at + 5 <= bytes.length) {
    const flag = bytes[at] as number;
    const len = new DataView(bytes.buffer, bytes.byteOffset + at + 1, 4).getUint32(0);
    const payload = bytes.subarray(at + 5, at + 5 + len);
    if (flag & 0x80) {
      const m = /grpc-status:\s*(\d+)/i.exec(new TextDecoder().decode(payload));
      return m ? Number(m[1]) : null;
    }
    at += 5 + len;
  }
  return null;
}

async function grpcWebCheck(res: Response): Promise<string | null> {
  if (res.status >= 500) return `status ${res.status}`;
  if (res.status !== 200) return null;
  const status = await grpcWebStatus(res);
  if (status === null) return "no grpc-status";
  if (GRPC_SERVER_FAULTS.has(status)) return `grpc-status ${status}`;
  return null;
}

const frame = (payload: Uint8Array, flag = 0, declared = payload.length) => {
  const out = new Uint8Array(5 + payload.length);
  out[0] = flag;
  new DataView(out.buffer).setUint32(1, declared);
  out.set(payload, 5);
  return out;
};

/** Byte-level damage to a valid encoding: truncation, flips, garbage, bad varints. */
function damaged(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.integer({ min: 0, max: Math.max(0, valid.length - 1) }).map((n) => valid.slice(0, n)),
    fc
      .tuple(fc.integer({ min: 0, max: Math.max(0, valid.length - 1) }), fc.integer({ min: 0, max: 255 }))
      .map(([i, b]) => {
        const copy = valid.slice();
        if (copy.length) copy[i] = b;
        return copy;
      }),
    fc.uint8Array({ maxLength: 512 }),
    fc.constant(Uint8Array.from([0x0a, ...new Array(11).fill(0xff)])),
    fc.constant(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x61])),
    fc.uint8Array({ maxLength: 64 }).map((g) => Uint8Array.from([...valid, ...g])),
  );
}

/** Malformed requests for one method over Connect JSON, Connect binary and gRPC-Web. */
export function rpcCases(method: DescMethod, ids: { agentId: string }): fc.Arbitrary<RpcCase> {
  return rpcCaseKinds(method, ids).map((c) =>
    Object.assign(c, {
      [fc.toStringMethod]: () =>
        `${c.kind}: ${typeof c.body === "string" ? c.body.slice(0, 200) : `bytes [${[...c.body.slice(0, 48)].join(",")}${c.body.length > 48 ? ",…" : ""}] (${c.body.length})`}`,
    }),
  );
}

function rpcCaseKinds(method: DescMethod, ids: { agentId: string }): fc.Arbitrary<RpcCase> {
  const json = validJson(method.input, ids.agentId);
  const binary = validBinary(method.input, ids.agentId);
  const connectJson = (kind: string, body: string | Uint8Array): RpcCase => ({
    kind: `connect-json ${kind}`,
    headers: { "content-type": "application/json", "connect-protocol-version": "1" },
    body,
    check: connectCheck,
  });
  const fields = method.input.fields.map((f) => f.jsonName);
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...fields, "unknownField"), wrongValue)
      .map(([k, v]) => connectJson("wrong type", JSON.stringify({ ...json, [k]: v }))),
    fc.constantFrom("null", "[]", "1", "", '"x"', "{").map((b) => connectJson("not a message", b)),
    deepJson.map((b) => connectJson("deeply nested", b)),
    invalidUtf8.map((b) => connectJson("invalid UTF-8", b)),
    damaged(binary).map(
      (body): RpcCase => ({
        kind: "connect-proto damaged",
        headers: { "content-type": "application/proto", "connect-protocol-version": "1" },
        body,
        check: connectCheck,
      }),
    ),
    fc.tuple(damaged(binary), fc.constantFrom(0, 1, 0x80), fc.integer({ min: -8, max: 8 })).map(
      ([payload, flag, off]): RpcCase => ({
        kind: "grpc-web damaged frame",
        headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
        body: frame(payload, flag, Math.max(0, payload.length + off)),
        check: grpcWebCheck,
      }),
    ),
    fc.constantFrom("text/plain", "application/xml", "application/grpc-web-text").map(
      (contentType): RpcCase => ({
        kind: `content type ${contentType}`,
        headers: { "content-type": contentType },
        body: binary,
        check: async (res) => (res.status >= 500 ? `status ${res.status}` : null),
      }),
    ),
  );
}
