import type { Context } from "hono";
import type { Caller } from "../auth/principal.js";
import type { AppEnv } from "../services.js";

/** The verified caller of an authenticated route. */
export function callerOf(c: Context<AppEnv>): Caller {
  return { principal: c.get("principal"), requestId: c.get("requestId") };
}
