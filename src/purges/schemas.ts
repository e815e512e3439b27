import { z } from "@hono/zod-openapi";
import { PURGE_STATUSES } from "./model.js";

const Counts = z
  .strictObject({
    rows: z.record(z.string(), z.number().int()).openapi({ description: "Rows deleted per table" }),
    objects: z.number().int().openapi({ description: "Objects deleted from the blob store" }),
    keys: z.number().int().openapi({ description: "Keys deleted from the key-value store" }),
  })
  .openapi("PurgeCounts");

export const PurgeCertificateSchema = z
  .object({
    purge_id: z.uuid(),
    scope: z.enum(["org", "agent"]),
    org_id: z.uuid(),
    agent_id: z.uuid().optional(),
    requester: z.string().openapi({ description: "The id of the token that asked" }),
    requested_at: z.string(),
    started_at: z.string(),
    finished_at: z.string(),
    counts: Counts,
  })
  .openapi("PurgeCertificate");

export const PurgeRefSchema = z
  .object({ id: z.uuid(), status: z.enum(PURGE_STATUSES) })
  .openapi("PurgeRef", { description: "A purge as queued: poll GET /v1/purges/{id}" });

export const PurgeSchema = z
  .object({
    id: z.uuid(),
    scope: z.enum(["org", "agent"]),
    org_id: z.uuid(),
    agent_id: z.uuid().nullable(),
    status: z.enum(PURGE_STATUSES),
    requester: z.string(),
    attempts: z.number().int(),
    last_error: z.string().nullable().openapi({ description: "A content-free label of the last failure" }),
    progress: Counts.extend({
      phase: z.enum(["queued", "rows", "objects", "keys", "verify", "done"]),
      batches: z.number().int(),
    }),
    certificate: PurgeCertificateSchema.nullable(),
    signature: z
      .string()
      .nullable()
      .openapi({ description: "HMAC-SHA-256 (hex) of the canonical certificate under the server secret" }),
    requested_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .openapi("Purge");

export const OrgPurgeParams = z.object({
  id: z
    .union([z.literal("me"), z.uuid()])
    .openapi({ param: { name: "id", in: "path" }, description: "The org id, or `me` for the caller's org" }),
});

export const OrgPurgeQuery = z.object({
  confirm: z.string().max(100).optional().openapi({ description: "Must repeat the org id" }),
});

export const VerifyPurgeBody = z
  .strictObject({
    // The certificate's own schema, strict: a copy with a field the server never signs
    // is refused as malformed rather than verified on the fields it happens to share,
    // and its shape (not a client's nesting) bounds the work of canonicalising it.
    certificate: PurgeCertificateSchema.strict().openapi({ description: "A certificate as GET returned it" }),
    signature: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex digits")
      .openapi({ description: "The signature as GET returned it" }),
  })
  .openapi("PurgeCertificateCopy");

export const VerifyResultSchema = z.object({ valid: z.boolean() }).openapi("PurgeVerification");
