import { fork } from "node:child_process";
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** A running local S3-compatible server with one empty bucket. */
export interface S3Server {
  /** `http://127.0.0.1:<port>`; use path-style addressing. */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /**
   * From now on, answers the next `count` requests with `status` (an S3 error body)
   * before any other check; `failNext(0, …)` ends a fault early.
   */
  failNext(count: number, status: number): void;
  stop(): Promise<void>;
}

// s3rver's one built-in account id; s3rver wants a known id but checks no V4 signature.
const ACCESS_KEY_ID = "S3RVER";
const ALGORITHM = "AWS4-HMAC-SHA256";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const hmac = (key: Buffer | string, s: string) => createHmac("sha256", key).update(s).digest();
// RFC 3986 unreserved characters stay; everything else is percent-encoded (SigV4 rule).
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function sendError(res: ServerResponse, status: number, code: string): void {
  res.writeHead(status, { "content-type": "application/xml" });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code}</Message></Error>`,
  );
}

/** What a request claims about its signature, from the Authorization header or the query. */
interface Claim {
  credential: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  payloadHash: string;
  expiresSeconds?: number;
}

function claimOf(req: IncomingMessage, query: [string, string][]): Claim | null {
  const q = new Map(query);
  const auth = req.headers.authorization;
  if (auth?.startsWith(`${ALGORITHM} `)) {
    const parts = new Map(
      auth
        .slice(ALGORITHM.length + 1)
        .split(",")
        .map((p) => p.trim().split("=", 2) as [string, string]),
    );
    return {
      credential: parts.get("Credential") ?? "",
      signedHeaders: (parts.get("SignedHeaders") ?? "").split(";"),
      signature: parts.get("Signature") ?? "",
      amzDate: String(req.headers["x-amz-date"] ?? ""),
      payloadHash: String(req.headers["x-amz-content-sha256"] ?? ""),
    };
  }
  if (q.get("X-Amz-Algorithm") === ALGORITHM) {
    return {
      credential: q.get("X-Amz-Credential") ?? "",
      signedHeaders: (q.get("X-Amz-SignedHeaders") ?? "").split(";"),
      signature: q.get("X-Amz-Signature") ?? "",
      amzDate: q.get("X-Amz-Date") ?? "",
      payloadHash: q.get("X-Amz-Content-Sha256") ?? "UNSIGNED-PAYLOAD",
      expiresSeconds: Number(q.get("X-Amz-Expires")),
    };
  }
  return null;
}

const parseAmzDate = (d: string) =>
  Date.parse(
    `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`,
  );

/**
 * Recomputes the request's AWS Signature V4 with `secret` (header or query signing)
 * and checks its time window; returns the S3 error code to answer with, or null.
 * The payload hash is taken as the client declared it (it is covered by the signature).
 */
function verifySigV4(req: IncomingMessage, secret: string): string | null {
  const raw = req.url ?? "/";
  const qAt = raw.indexOf("?");
  const path = qAt < 0 ? raw : raw.slice(0, qAt);
  const query = (qAt < 0 ? "" : raw.slice(qAt + 1))
    .split("&")
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf("=");
      const [k, v] = eq < 0 ? [p, ""] : [p.slice(0, eq), p.slice(eq + 1)];
      return [decodeURIComponent(k), decodeURIComponent(v)] as [string, string];
    });
  const claim = claimOf(req, query);
  if (!claim) return "AccessDenied";
  const [keyId, date, region, service, terminator] = claim.credential.split("/");
  if (keyId !== ACCESS_KEY_ID) return "InvalidAccessKeyId";
  if (!date || !region || service !== "s3" || terminator !== "aws4_request") {
    return "AuthorizationHeaderMalformed";
  }
  const signedAt = parseAmzDate(claim.amzDate);
  if (Number.isNaN(signedAt) || !claim.amzDate.startsWith(date)) return "AccessDenied";
  if (claim.expiresSeconds === undefined) {
    if (Math.abs(Date.now() - signedAt) > 15 * 60_000) return "RequestTimeTooSkewed";
  } else if (
    !Number.isInteger(claim.expiresSeconds) ||
    claim.expiresSeconds < 1 ||
    claim.expiresSeconds > 604_800 ||
    Date.now() > signedAt + claim.expiresSeconds * 1000
  ) {
    return "AccessDenied";
  }
  const canonicalUri = path
    .split("/")
    .map((seg) => rfc3986(decodeURIComponent(seg)))
    .join("/");
  const canonicalQuery = query
    .filter(([k]) => k !== "X-Amz-Signature")
    .map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort(([a = "", b = ""], [c = "", d = ""]) => (a < c ? -1 : a > c ? 1 : b < d ? -1 : b > d ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const headerValue = (h: string) =>
    String(req.headers[h] ?? "")
      .trim()
      .replace(/\s+/g, " ");
  const headers = claim.signedHeaders.map((h) => `${h}:${headerValue(h)}\n`).join("");
  const canonicalRequest = [
    req.method,
    canonicalUri,
    canonicalQuery,
    headers,
    claim.signedHeaders.join(";"),
    claim.payloadHash,
  ].join("\n");
  const scope = `${date}/${region}/s3/aws4_request`;
  const stringToSign = [ALGORITHM, claim.amzDate, scope, sha256(canonicalRequest)].join("\n");
  let key = hmac(`AWS4${secret}`, date);
  for (const part of [region, "s3", "aws4_request"]) key = hmac(key, part);
  const expected = Buffer.from(hmac(key, stringToSign).toString("hex"));
  const given = Buffer.from(claim.signature);
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? null
    : "SignatureDoesNotMatch";
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Passes a checked request on to s3rver (its own port), the buffered body if any. */
function forward(req: IncomingMessage, res: ServerResponse, port: number, body?: Buffer): void {
  const upstream = request(
    { host: "127.0.0.1", port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => sendError(res, 502, "InternalError"));
  if (body) upstream.end(body);
  else req.pipe(upstream);
}

/** Starts s3rver in a child process (see s3-server-main.ts); resolves to its port. */
async function startS3rver(directory: string, bucket: string) {
  const child = fork(fileURLToPath(new URL("./s3-server-main.ts", import.meta.url)), [], {
    // tsx resolves from the repository root, whatever directory the tests run from.
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    execArgv: ["--import", "tsx", "--openssl-legacy-provider", "--no-warnings"],
    env: { ...process.env, S3_DIR: directory, S3_BUCKET: bucket },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m: { port: number }) => resolve(m.port));
    child.once("exit", (code) => reject(new Error(`s3rver exited (${code}) before listening`)));
  });
  return {
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      await exited;
    },
  };
}

/**
 * Starts a local S3-compatible server: s3rver on a free port over a fresh temporary
 * directory, with a bucket created, logging nothing. s3rver itself accepts unsigned
 * requests and checks no V4 signature, so every request first passes a front that
 * checks SigV4 (header or pre-signed query, time window included) against a random
 * secret, as a private bucket would, and that requires a valid Content-MD5 on
 * DeleteObjects, as MinIO and other S3-compatible servers do (CRC32 headers alone are
 * refused). Test infrastructure only.
 */
export async function startS3Server(): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), "engram-s3-"));
  const bucket = "engram-test";
  const secretAccessKey = randomBytes(20).toString("hex");
  const upstream = await startS3rver(directory, bucket).catch(async (err) => {
    await rm(directory, { recursive: true, force: true });
    throw err;
  });
  let faults = { count: 0, status: 503 };
  const server = createServer(async (req, res) => {
    if (faults.count > 0) {
      faults.count--;
      return sendError(res, faults.status, faults.status >= 500 ? "InternalError" : "SlowDown");
    }
    const refused = verifySigV4(req, secretAccessKey);
    if (refused) return sendError(res, 403, refused);
    if (req.method === "POST" && new URL(req.url ?? "/", "http://s3").searchParams.has("delete")) {
      const body = await readBody(req);
      const given = req.headers["content-md5"];
      if (given === undefined) return sendError(res, 400, "MissingContentMD5");
      if (given !== createHash("md5").update(body).digest("base64")) return sendError(res, 400, "BadDigest");
      return forward(req, res, upstream.port, body);
    }
    forward(req, res, upstream.port);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bucket,
    region: "us-east-1",
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey,
    failNext(count, status) {
      faults = { count, status };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await upstream.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
