import type { Hook } from "@hono/zod-openapi";
import type { ZodError } from "zod";
import { AppError } from "../lib/errors.js";
import type { AppEnv } from "../services.js";

/** Turns a zod failure into INVALID_ARGUMENT listing every offending field. */
export function validationError(error: ZodError, where: string): AppError {
  const fields = error.issues.flatMap((issue) => {
    const base = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((k) => ({ path: base ? `${base}.${k}` : k, message: "unknown field" }));
    }
    return [{ path: base || where, message: issue.message }];
  });
  return new AppError("INVALID_ARGUMENT", `invalid ${where}`, { fields });
}

/** The OpenAPIHono defaultHook: every route validates the same way. */
// biome-ignore lint/suspicious/noExplicitAny: Hook's generics are route-specific; this hook serves all routes.
export const validationHook: Hook<any, AppEnv, any, any> = (result) => {
  if (!result.success) throw validationError(result.error, result.target);
};
