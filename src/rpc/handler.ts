import { Code, ConnectError, createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { Principal } from "../auth/principal.js";
import { unavailableDatabase } from "../db/ports.js";
import { authenticateBearer } from "../http/auth.js";
import { requestIdFrom } from "../http/request-id.js";
import { ERROR_TABLE, isAppError } from "../lib/errors.js";
import type { Services } from "../services.js";

/** The request's services, passed by the transport as a context value (no module-level clients). */
export const servicesKey = createContextKey<Services | null>(null, { description: "engram services" });

const CONNECT_CODES: Record<string, Code> = {
  invalid_argument: Code.InvalidArgument,
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  internal: Code.Internal,
};

/**
 * An error as a Connect error: AppErrors keep their code and message, a lost or
 * unreachable database is `unavailable`; anything else is internal.
 */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  const unavailable = unavailableDatabase(err);
  if (unavailable) return toConnectError(unavailable);
  if (isAppError(err)) {
    const detail = err.fields?.length
      ? `${err.message}: ${err.fields.map((f) => `${f.path} ${f.message}`).join("; ")}`
      : err.message;
    return new ConnectError(detail, CONNECT_CODES[ERROR_TABLE[err.code].connect] ?? Code.Internal);
  }
  return new ConnectError("internal error", Code.Internal);
}

function servicesOf(ctx: HandlerContext): Services {
  const s = ctx.values.get(servicesKey);
  if (!s) throw new ConnectError("service not configured", Code.Unavailable);
  return s;
}

/** Who made the call, for its log line: filled in as the handler learns it. */
interface CallLog {
  request_id?: string;
  org_id?: string;
  token_id?: string;
}
const callLogKey = createContextKey<CallLog | null>(null, { description: "the call's log fields" });

export async function principalOf(
  ctx: HandlerContext,
): Promise<{ s: Services; principal: Principal; requestId: string }> {
  const s = servicesOf(ctx);
  const log = ctx.values.get(callLogKey);
  // Echoed on the response, errors included, as the REST routes do.
  const requestId = requestIdFrom(ctx.requestHeader.get("x-request-id"));
  ctx.responseHeader.set("x-request-id", requestId);
  if (log) log.request_id = requestId;
  const principal = await authenticateBearer(s, ctx.requestHeader.get("authorization") ?? "");
  if (log) {
    log.org_id = principal.orgId;
    log.token_id = principal.tokenId;
  }
  return { s, principal, requestId };
}

/**
 * Runs a handler and logs its outcome — method, code, duration, request, org and token
 * ids (never the request's content); errors leave as Connect errors.
 */
export async function handle<T>(ctx: HandlerContext, name: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const s = ctx.values.get(servicesKey);
  const log: CallLog = {};
  ctx.values.set(callLogKey, log);
  try {
    const out = await run();
    s?.logger.info("rpc", { method: name, code: "ok", ms: Math.round(performance.now() - started), ...log });
    return out;
  } catch (err) {
    const ce = toConnectError(err);
    if (ce.code === Code.Internal) {
      s?.logger.error("rpc failed", {
        method: name,
        error: err instanceof Error ? err.name : "unknown",
        ...log,
      });
    } else {
      s?.logger.info("rpc", {
        method: name,
        code: Code[ce.code],
        ms: Math.round(performance.now() - started),
        ...log,
      });
    }
    throw ce;
  }
}
