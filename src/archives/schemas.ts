import { z } from "@hono/zod-openapi";

export const ArchiveSchema = z
  .object({
    download_url: z.string().openapi({
      description: "Fetches the archive without a token until `expires_at` (15 minutes)",
    }),
    expires_at: z.string(),
    bytes: z.number().int().openapi({ description: "Size of the stored (gzipped) object" }),
    sha256: z.string().openapi({ description: "SHA-256 of the stored bytes, hex" }),
    message_count: z.number().int(),
    content_encoding: z.string().nullable().openapi({ description: "`gzip`: the object is gzipped NDJSON" }),
    format_version: z.number().int(),
    archived_at: z.string(),
  })
  .openapi("SessionArchive");

export const ArchiveDownloadParams = z.object({
  session_uuid: z.uuid().openapi({ param: { name: "session_uuid", in: "path" } }),
});

export const ArchiveDownloadQuery = z.object({
  org: z.uuid(),
  expires: z.coerce.number().int().positive(),
  signature: z.string().regex(/^[0-9a-f]{64}$/),
});
