import { z } from "@hono/zod-openapi";
import { ERROR_CODES } from "../lib/errors.js";

/** RFC 9457 problem details, as every error response. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(ERROR_CODES),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/** The error responses every authenticated route may give. */
export const errorResponses = {
  400: problem("Invalid input: malformed JSON, wrong types, unknown fields"),
  401: problem("Missing, invalid, revoked or expired token"),
  403: problem("The token lacks a required scope"),
  404: problem("Not found (including another org's ids)"),
  409: problem("Conflict with the current state"),
  413: problem("Request body too large"),
  415: problem("Request body is not JSON"),
  429: problem("Rate limit exceeded; see Retry-After"),
} as const;

/** A cursor page of `item`. */
export function pageOf<T extends z.ZodType>(item: T, name: string) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() }).openapi(name);
}

/** `limit` (1–100, default 20) and an opaque `cursor`. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(200).optional(),
});

/** A path `{id}` that must be a UUID. */
export const IdParams = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});

/** JSON request body helper. */
export function jsonBody<T extends z.ZodType>(schema: T, required = true) {
  return { content: { "application/json": { schema } }, required };
}

/** JSON response helper. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** Security requirement for bearer-token routes. */
export const bearerAuth = [{ bearerAuth: [] }];
