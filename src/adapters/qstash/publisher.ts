import { Client, QstashError } from "@upstash/qstash";
import { deliveryBody } from "../../jobs/enqueue.js";
import type { JobPublisher, JobRef } from "../../jobs/ports.js";
import { AppError } from "../../lib/errors.js";

export interface QstashPublisherOptions {
  /** The QStash token (Authorization: Bearer). */
  token: string;
  /** QStash's API: a region or the local dev server. Default https://qstash.upstash.io. */
  baseUrl?: string;
  /** Where QStash delivers: the delivery webhook's public URL. */
  destination: string;
  /** The ledger's retry delays; their count is the delivery retries QStash makes. */
  retryDelaysMs: readonly number[];
  /** The fetch publishes go through (default: the global fetch). */
  fetch?: typeof fetch;
}

const DEFAULT_BASE_URL = "https://qstash.upstash.io";
/** One publish may not hold the caller's request longer than this. */
const PUBLISH_TIMEOUT_MS = 10_000;
/** What QStash takes verbatim as a deduplication id (it rejects `:`, among others). */
const PLAIN_DEDUP_ID = /^[A-Za-z0-9_-]{1,100}$/;

type Requester = Client["http"];
type SdkRequest = Parameters<Requester["request"]>[0];

/**
 * The deduplication id of a job key: the key itself when it is made of letters,
 * digits, `-` and `_` only (at most 100), otherwise the lowercase hex SHA-256 of the
 * key — stable, so publishing the same key again is still deduplicated. Job keys
 * such as `memory.extract:<session>:<n>` contain `.` and `:` and are hashed.
 */
export async function deduplicationId(key: string): Promise<string> {
  if (PLAIN_DEDUP_ID.test(key)) return key;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * QStash's `Upstash-Retry-Delay` (milliseconds; `retried` is 0 before the first
 * retry) reproducing the ledger's delays exactly:
 * - one delay, or all equal: the constant (`"5000"`);
 * - a geometric series with an integer ratio: `pow(q, retried) * d0` — the default
 *   1 s / 10 s / 100 s is `pow(10, retried) * 1000`;
 * - anything else: a sum of `d_i * max(0, 1 - abs(retried - i))` terms, which is d_i
 *   at retried = i (QStash's expressions have arithmetic and pow, sqrt, abs, exp,
 *   floor, ceil, round, min, max, but no comparisons).
 * Undefined without retries.
 */
export function retryDelayExpression(delaysMs: readonly number[]): string | undefined {
  const [first, ...rest] = delaysMs;
  if (first === undefined) return undefined;
  if (rest.every((d) => d === first)) return String(first);
  const ratio = first > 0 ? (delaysMs[1] ?? 0) / first : 0;
  if (Number.isInteger(ratio) && ratio >= 2 && delaysMs.every((d, i) => d === first * ratio ** i)) {
    return `pow(${ratio}, retried) * ${first}`;
  }
  const terms = delaysMs.flatMap((d, i) => (d === 0 ? [] : [`${d} * max(0, 1 - abs(retried - ${i}))`]));
  return terms.join(" + ");
}

/**
 * The SDK's requester swapped for one over `fetchFn`: the SDK still builds the publish
 * (path, `Upstash-*` headers); this sends it once, with a timeout. The SDK's own
 * client calls the global fetch, retries only thrown fetches and writes to the
 * console; here a failed publish is simply reported (the job stays queued, J3).
 */
function fetchRequester(sdk: Requester, baseUrl: string, token: string, fetchFn: typeof fetch): Requester {
  return {
    ...(sdk.headers ? { headers: sdk.headers } : {}),
    ...(sdk.telemetryHeaders ? { telemetryHeaders: sdk.telemetryHeaders } : {}),
    requestStream: (req) => sdk.requestStream(req),
    request: async <T>(req: SdkRequest) => {
      // The SDK passes a Headers object (its type also allows a bare iterator).
      const headers = new Headers(req.headers as HeadersInit | undefined);
      headers.set("Authorization", `Bearer ${token}`);
      const res = await fetchFn([req.baseUrl ?? baseUrl, ...req.path].join("/"), {
        method: req.method ?? "POST",
        headers,
        body: req.body ?? null,
        signal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS),
      });
      if (res.status < 200 || res.status >= 300) {
        await res.body?.cancel();
        throw new QstashError(`status=${res.status}`, res.status);
      }
      if (req.parseResponseAsJson === false) {
        await res.body?.cancel();
        return undefined as T;
      }
      return (await res.json()) as T;
    },
  } as Requester;
}

/** Maps whatever a publish threw to UNAVAILABLE; the message names only the status. */
function unavailable(err: unknown): AppError {
  const status = err instanceof QstashError && err.status ? ` (status ${err.status})` : "";
  const what = err instanceof Error && err.name === "TimeoutError" ? "timed out" : "failed";
  return new AppError("UNAVAILABLE", `QStash publish ${what}${status}`, { retryable: true });
}

/**
 * Publishes each job to the delivery webhook through QStash (`@upstash/qstash`'s
 * `Client.publish`): the body is `deliveryBody(job)`, sent as JSON; the
 * deduplication id is the job key (hashed when QStash would refuse it, see
 * `deduplicationId`) prefixed with the org (keys are unique per org, QStash's ids
 * per account), so a publish repeated after an ambiguous failure delivers once; `retries` is the number of configured delays and `retryDelay` reproduces
 * them (`retryDelayExpression`), so QStash's redeliveries follow the ledger's
 * schedule. Everything comes from the options: dev mode is off, so the SDK ignores
 * QSTASH_DEV, QSTASH_URL, QSTASH_TOKEN and QSTASH_REGION in the environment. The client
 * is built on the first publish; nothing connects before.
 */
export function createQstashPublisher(opts: QstashPublisherOptions): JobPublisher {
  const baseUrl = (opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  const fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
  const retryDelay = retryDelayExpression(opts.retryDelaysMs);
  let client: Client | undefined;
  const clientOf = (): Client => {
    if (!client) {
      client = new Client({
        token: opts.token,
        baseUrl,
        devMode: false,
        enableTelemetry: false,
        retry: false,
      });
      client.http = fetchRequester(client.http, baseUrl, opts.token, fetchFn);
    }
    return client;
  };
  return {
    async publish(job: JobRef) {
      // QStash deduplicates across the whole account; ledger keys are unique per org.
      const dedup = await deduplicationId(`${job.orgId}:${job.key}`);
      try {
        await clientOf().publish({
          url: opts.destination,
          body: deliveryBody(job),
          headers: { "Content-Type": "application/json" },
          deduplicationId: dedup,
          retries: opts.retryDelaysMs.length,
          ...(retryDelay !== undefined ? { retryDelay } : {}),
        });
      } catch (err) {
        throw unavailable(err);
      }
    },
  };
}
