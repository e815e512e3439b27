import { AppError } from "./errors.js";

/** Where and how to POST JSON to an upstream HTTP API. */
export interface JsonEndpoint {
  baseUrl: string;
  apiKey?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Names the upstream in error messages (never the URL, which may carry credentials). */
  label?: string;
}

/**
 * POSTs JSON with a timeout and parses the JSON answer. Transport failures, 429 and
 * 5xx become retryable UNAVAILABLE/RESOURCE_EXHAUSTED; other 4xx INVALID_ARGUMENT.
 */
export async function postJson(o: JsonEndpoint, path: string, body: unknown): Promise<unknown> {
  const doFetch = o.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(`${o.baseUrl.replace(/\/$/, "")}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
  } catch (err) {
    throw new AppError("UNAVAILABLE", `${o.label ?? "upstream service"} unreachable`, {
      cause: err,
      retryable: true,
    });
  }
  if (!res.ok) {
    await res.body?.cancel();
    if (res.status === 429 || res.status >= 500) {
      const retryAfter = Number(res.headers.get("retry-after")) || undefined;
      throw new AppError(
        res.status === 429 ? "RESOURCE_EXHAUSTED" : "UNAVAILABLE",
        `${o.label ?? "upstream service"} answered ${res.status}`,
        {
          retryable: true,
          ...(retryAfter ? { retryAfter } : {}),
        },
      );
    }
    throw new AppError(
      "INVALID_ARGUMENT",
      `${o.label ?? "upstream service"} refused the input (${res.status})`,
    );
  }
  try {
    return await res.json();
  } catch (err) {
    throw new AppError("UNAVAILABLE", `${o.label ?? "upstream service"} sent malformed JSON`, {
      cause: err,
      retryable: true,
    });
  }
}
