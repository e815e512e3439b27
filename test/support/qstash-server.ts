import { createHash, createHmac, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/** How the server signs what it delivers (and `signature()` signs); the default is QStash's. */
export interface SigningMode {
  /** `current` (default) or `next` signing key, or any other string: a key QStash does not have. */
  key?: string;
  /** A token whose `exp` has passed (issued ten minutes ago, expired five minutes ago). */
  expired?: boolean;
  /** Delivers a body that differs from the signed one (a space appended after signing). */
  tamper?: boolean;
  /** The `sub` claim instead of the destination URL. */
  sub?: string;
  /** The `iss` claim instead of `Upstash`. */
  iss?: string;
}

/** One publish request as received. */
export interface PublishRecord {
  messageId: string;
  destination: string;
  body: string;
  /** Request headers, lowercased. */
  headers: Record<string, string>;
  deduplicationId: string | undefined;
  retries: number;
  retryDelay: string | undefined;
  /** 201 (enqueued), 202 (a duplicate: accepted, not enqueued) or the injected failure. */
  status: number;
}

/** One delivery attempt of a message to its destination. */
export interface DeliveryRecord {
  messageId: string;
  url: string;
  /** 0 for the first delivery, n for the n-th retry (QStash's `Upstash-Retried`). */
  retried: number;
  /** The retry delay the message's expression gave for this attempt (ms, before scaling); 0 at first. */
  delayMs: number;
  body: string;
  signature: string;
  /** The destination's answer; 0 when it could not be reached. */
  status: number;
  responseBody: string;
}

const DEFAULT_RETRIES = 3;
/** QStash's default backoff: min(1 day, e^(2.5 n)) seconds, n = retries so far. */
const DEFAULT_RETRY_DELAY = "min(86400, exp(2.5 * (retried + 1))) * 1000";
const DEDUP_WINDOW_MS = 90 * 24 * 3600 * 1000;

const FUNCTIONS: Record<string, (...args: number[]) => number> = {
  pow: (a = 0, b = 0) => a ** b,
  sqrt: (a = 0) => Math.sqrt(a),
  abs: (a = 0) => Math.abs(a),
  exp: (a = 0) => Math.exp(a),
  floor: (a = 0) => Math.floor(a),
  ceil: (a = 0) => Math.ceil(a),
  round: (a = 0) => Math.round(a),
  min: (...a) => Math.min(...a),
  max: (...a) => Math.max(...a),
};

/**
 * Evaluates an `Upstash-Retry-Delay` expression for `retried` (0 before the first
 * retry): numbers, `retried`, + - * /, parentheses and QStash's functions (pow, sqrt,
 * abs, exp, floor, ceil, round, min, max). Throws on anything else, as QStash
 * refuses the publish.
 */
export function evalRetryDelay(expression: string, retried: number): number {
  const tokens = expression.match(/\d+(?:\.\d+)?|[A-Za-z_]\w*|[-+*/(),]|\S/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const take = (want?: string) => {
    const tok = tokens[i++];
    if (tok === undefined || (want !== undefined && tok !== want)) {
      throw new Error(`bad retry delay expression at token ${i}`);
    }
    return tok;
  };
  const primary = (): number => {
    const tok = take();
    if (tok === "-") return -primary();
    if (tok === "(") {
      const v = sum();
      take(")");
      return v;
    }
    if (/^\d/.test(tok)) return Number(tok);
    if (tok === "retried") return retried;
    const fn = FUNCTIONS[tok];
    if (!fn) throw new Error(`unknown name in retry delay expression: ${tok}`);
    take("(");
    const args = [sum()];
    while (peek() === ",") {
      take(",");
      args.push(sum());
    }
    take(")");
    return fn(...args);
  };
  const product = (): number => {
    let v = primary();
    while (peek() === "*" || peek() === "/") v = take() === "*" ? v * primary() : v / primary();
    return v;
  };
  function sum(): number {
    let v = product();
    while (peek() === "+" || peek() === "-") v = take() === "+" ? v + product() : v - product();
    return v;
  }
  const value = sum();
  if (i !== tokens.length) throw new Error("trailing tokens in retry delay expression");
  return value;
}

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString("base64url");

/**
 * An `Upstash-Signature` as QStash makes it: a JWT (HS256 with the signing key)
 * with `iss: "Upstash"`, `sub` = the destination URL, `iat`/`nbf` = now, `exp` = now +
 * 5 minutes, a random `jti`, and `body` = the SHA-256 of the body in base64url with
 * `=` padding (QStash pads; the SDK's Receiver compares without padding).
 */
export function signQstash(
  key: string,
  body: string,
  claims: { sub: string; iss?: string; expired?: boolean },
) {
  const now = Math.floor(Date.now() / 1000);
  const issued = claims.expired ? now - 600 : now;
  const header = { alg: "HS256", typ: "JWT" };
  const payload = {
    iss: claims.iss ?? "Upstash",
    sub: claims.sub,
    exp: issued + 300,
    nbf: issued,
    iat: issued,
    jti: `jwt_${randomUUID().replaceAll("-", "")}`,
    body: createHash("sha256")
      .update(body, "utf8")
      .digest("base64")
      .replaceAll("+", "-")
      .replaceAll("/", "_"),
  };
  const signed = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${signed}.${createHmac("sha256", key).update(signed).digest("base64url")}`;
}

interface Message {
  id: string;
  destination: string;
  method: string;
  body: string;
  forward: Record<string, string>;
  retries: number;
  retryDelay: string;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A local server speaking QStash's publish API as `@upstash/qstash`'s `Client` calls
 * it (`POST /v2/publish/{destination}`, bearer token, `Upstash-Deduplication-Id`,
 * `Upstash-Retries`, `Upstash-Retry-Delay`, Content-Type and `Upstash-Forward-*`; answers
 * `{ messageId, url }`, 201, or 202 for a duplicate) that then delivers each message
 * as QStash does: a POST of the same body to the destination with a signed
 * `Upstash-Signature`, retried on a non-2xx answer up to `Upstash-Retries` times
 * after the expression's delays multiplied by `delayScale` (default 1/1000: 1 s
 * becomes 1 ms). Every publish and delivery is recorded; `signing` switches what
 * deliveries are signed with, `publishStatus` makes publishes fail. Test
 * infrastructure only.
 */
export async function startQstashServer(
  opts: { token?: string; currentSigningKey?: string; nextSigningKey?: string; delayScale?: number } = {},
) {
  const token = opts.token ?? "qstash-test-token";
  const currentSigningKey = opts.currentSigningKey ?? "sig_current_test_key_0123456789";
  const nextSigningKey = opts.nextSigningKey ?? "sig_next_test_key_0123456789abc";
  const delayScale = opts.delayScale ?? 0.001;
  const publishes: PublishRecord[] = [];
  const deliveries: DeliveryRecord[] = [];
  const dlq: string[] = [];
  const dedup = new Map<string, { messageId: string; at: number }>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];

  const state = {
    /** What deliveries are signed with; change it between tests. */
    signing: {} as SigningMode,
    /** When set, publishes are answered with this status (and nothing is enqueued). */
    publishStatus: 0,
  };

  const keyOf = (mode: SigningMode) =>
    mode.key === undefined || mode.key === "current"
      ? currentSigningKey
      : mode.key === "next"
        ? nextSigningKey
        : mode.key;

  /** An `Upstash-Signature` for `body` sent to `url`, signed as `mode` says. */
  const signature = (body: string, url: string, mode: SigningMode = {}) =>
    signQstash(keyOf(mode), body, {
      sub: mode.sub ?? url,
      ...(mode.iss !== undefined ? { iss: mode.iss } : {}),
      ...(mode.expired ? { expired: true } : {}),
    });

  const settle = () => {
    inFlight -= 1;
    if (inFlight === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  };

  /** Schedules one delivery attempt; `inFlight` counts it until it and its retries end. */
  const schedule = (m: Message, retried: number, delayMs: number) => {
    inFlight += 1;
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        void attempt(m, retried, delayMs).finally(settle);
      },
      Math.max(0, delayMs * delayScale),
    );
    timers.add(timer);
  };

  const attempt = async (m: Message, retried: number, delayMs: number) => {
    const mode = state.signing;
    const sig = signature(m.body, m.destination, mode);
    const body = mode.tamper ? `${m.body} ` : m.body;
    const record: DeliveryRecord = {
      messageId: m.id,
      url: m.destination,
      retried,
      delayMs,
      body,
      signature: sig,
      status: 0,
      responseBody: "",
    };
    deliveries.push(record);
    try {
      const res = await fetch(m.destination, {
        method: m.method,
        headers: {
          ...m.forward,
          "Upstash-Signature": sig,
          "Upstash-Message-Id": m.id,
          "Upstash-Retried": String(retried),
        },
        ...(m.method === "GET" || m.method === "HEAD" ? {} : { body }),
      });
      record.status = res.status;
      record.responseBody = await res.text();
    } catch {
      record.status = 0;
    }
    if (record.status >= 200 && record.status < 300) return;
    if (retried < m.retries) schedule(m, retried + 1, evalRetryDelay(m.retryDelay, retried));
    else dlq.push(m.id);
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  const server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: "Unauthorized" });
      const path = req.url ?? "/";
      if (req.method === "GET" && path === "/v2/keys") {
        return send(res, 200, { current: currentSigningKey, next: nextSigningKey });
      }
      const prefix = "/v2/publish/";
      if (req.method !== "POST" || !path.startsWith(prefix)) return send(res, 404, { error: "not found" });
      const destination = decodeURI(path.slice(prefix.length));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      const deduplicationId = headers["upstash-deduplication-id"];
      const retries =
        headers["upstash-retries"] === undefined ? DEFAULT_RETRIES : Number(headers["upstash-retries"]);
      const retryDelay = headers["upstash-retry-delay"];
      const record: PublishRecord = {
        messageId: `msg_${randomUUID().replaceAll("-", "")}`,
        destination,
        body,
        headers,
        deduplicationId,
        retries,
        retryDelay,
        status: 201,
      };
      publishes.push(record);
      if (state.publishStatus) {
        record.status = state.publishStatus;
        return send(res, state.publishStatus, { error: "injected failure" });
      }
      if (!/^https?:\/\//.test(destination) || !Number.isInteger(retries) || retries < 0) {
        record.status = 400;
        return send(res, 400, { error: "invalid destination or Upstash-Retries" });
      }
      if (deduplicationId !== undefined && !/^[A-Za-z0-9_.-]+$/.test(deduplicationId)) {
        record.status = 400;
        return send(res, 400, { error: "DeduplicationId contains invalid characters" });
      }
      try {
        if (retryDelay !== undefined) evalRetryDelay(retryDelay, 0);
      } catch {
        record.status = 400;
        return send(res, 400, { error: "invalid Upstash-Retry-Delay" });
      }
      const now = Date.now();
      const seen = deduplicationId === undefined ? undefined : dedup.get(deduplicationId);
      if (seen && now - seen.at < DEDUP_WINDOW_MS) {
        record.messageId = seen.messageId;
        record.status = 202;
        return send(res, 202, { messageId: seen.messageId, url: destination, deduplicated: true });
      }
      if (deduplicationId !== undefined) dedup.set(deduplicationId, { messageId: record.messageId, at: now });
      // QStash passes the publish's Content-Type on, and `Upstash-Forward-*` headers unprefixed.
      const forward: Record<string, string> = {};
      if (headers["content-type"]) forward["content-type"] = headers["content-type"];
      for (const [k, v] of Object.entries(headers)) {
        if (k.startsWith("upstash-forward-")) forward[k.slice("upstash-forward-".length)] = v;
      }
      const message: Message = {
        id: record.messageId,
        destination,
        method: headers["upstash-method"] ?? "POST",
        body,
        forward,
        retries,
        retryDelay: retryDelay ?? DEFAULT_RETRY_DELAY,
      };
      send(res, 201, { messageId: message.id, url: destination });
      schedule(message, 0, 0);
    } catch (err) {
      if (!res.headersSent) send(res, 500, { error: (err as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    token,
    currentSigningKey,
    nextSigningKey,
    state,
    publishes,
    deliveries,
    /** Messages whose retries ran out. */
    dlq,
    signature,
    /** The deliveries of one message, in order. */
    deliveriesOf: (messageId: string) => deliveries.filter((d) => d.messageId === messageId),
    /** Resolves when no delivery is running or scheduled. */
    idle: () =>
      inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)),
    async stop() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type QstashServer = Awaited<ReturnType<typeof startQstashServer>>;
