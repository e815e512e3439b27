import { z } from "@hono/zod-openapi";
import { PageQuery, pageOf } from "../http/openapi.js";
import { MEMORY_CATEGORIES, MEMORY_SOURCES, MEMORY_STATUSES } from "./categories.js";
import { EXPORT_FORMATS } from "./export/export-format.js";

export const MemorySchema = z
  .object({
    id: z.uuid(),
    agent_id: z.uuid(),
    session_id: z.uuid().nullable(),
    content: z.string(),
    category: z.enum(MEMORY_CATEGORIES),
    source: z.enum(MEMORY_SOURCES),
    status: z.enum(MEMORY_STATUSES),
    confidence: z.number(),
    usefulness: z.number(),
    retrieval_count: z.number().int(),
    tags: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()),
    pii_redacted: z.record(z.string(), z.number()),
    injection_risk: z.number(),
    superseded_by: z.uuid().nullable(),
    merged_into: z.uuid().nullable(),
    valid_from: z.string(),
    valid_until: z.string().nullable(),
    last_retrieved_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Memory");

export const CreateMemoryBody = z
  .strictObject({
    content: z.string().min(1).max(8192),
    category: z.enum(MEMORY_CATEGORIES),
    confidence: z.number().min(0).max(1).optional(),
    source: z.enum(MEMORY_SOURCES).optional(),
    session_id: z.uuid().optional(),
    tags: z.array(z.string().min(1).max(64)).max(20).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("CreateMemory");

export const WriteResultSchema = z
  .object({
    outcome: z.enum(["created", "duplicate", "merged", "flagged"]),
    reason: z.enum(["quarantined", "pending_review"]).optional(),
    merged: z.array(z.uuid()).optional(),
    superseded: z.array(z.uuid()).optional(),
    conflicts_with: z.array(z.uuid()).optional(),
    memory: MemorySchema,
  })
  .openapi("MemoryWriteResult");

export const BulkCreateBody = z
  .strictObject({ items: z.array(z.unknown()).min(1).max(100) })
  .openapi("BulkCreateMemories");

export const BulkResultSchema = z
  .object({
    results: z.array(
      z.object({
        index: z.number().int(),
        status: z.number().int(),
        result: WriteResultSchema.optional(),
        error: z
          .object({
            code: z.string(),
            detail: z.string(),
            errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
          })
          .optional(),
      }),
    ),
  })
  .openapi("BulkMemoryResults");

/** The filters shared by listing and bulk deletion. */
const MemoryFilter = z.object({
  category: z.enum(MEMORY_CATEGORIES).optional(),
  status: z.enum(MEMORY_STATUSES).optional(),
  source: z.enum(MEMORY_SOURCES).optional(),
  tag: z.string().min(1).max(64).optional(),
  created_after: z.iso.datetime({ offset: true }).optional(),
  created_before: z.iso.datetime({ offset: true }).optional(),
});

export const ListMemoriesQuery = PageQuery.extend(MemoryFilter.shape);

export const MemoryPageSchema = pageOf(MemorySchema, "MemoryPage");

export const VersionSchema = z
  .object({
    version_num: z.number().int(),
    operation: z.string(),
    snapshot: z.record(z.string(), z.unknown()),
    changed_by: z.string(),
    reason: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("MemoryVersion");

export const RelationshipSchema = z
  .object({
    source_id: z.uuid(),
    target_id: z.uuid(),
    relation: z.string(),
    confidence: z.number().nullable(),
    created_at: z.string(),
  })
  .openapi("MemoryRelationship");

export const MemoryDetailSchema = MemorySchema.extend({
  versions: z.array(VersionSchema),
  relationships: z.array(RelationshipSchema),
}).openapi("MemoryDetail");

export const SearchBody = z
  .strictObject({
    query: z.string().trim().min(1).max(2000),
    limit: z.number().int().min(1).max(100).optional(),
    min_similarity: z.number().min(-1).max(1).optional(),
    min_confidence: z.number().min(0).max(1).optional(),
    categories: z.array(z.enum(MEMORY_CATEGORIES)).max(5).optional(),
    tags: z.array(z.string().min(1).max(64)).max(20).optional(),
  })
  .openapi("SearchMemories");

export const SearchResultSchema = z
  .object({
    items: z.array(
      z.object({
        memory: MemorySchema,
        score: z.object({
          composite: z.number(),
          relevance: z.number(),
          recency: z.number(),
          usefulness: z.number(),
          confidence: z.number(),
          frequency: z.number(),
        }),
      }),
    ),
    candidates: z.number().int(),
  })
  .openapi("SearchMemoriesResult");

export const FeedbackBody = z
  .strictObject({ feedback: z.enum(["positive", "negative", "neutral"]) })
  .openapi("MemoryFeedback");
export const FeedbackResultSchema = z
  .object({ memory_id: z.uuid(), previous_score: z.number(), new_score: z.number() })
  .openapi("MemoryFeedbackResult");

export const AgentParams = z.object({
  agent_id: z.uuid().openapi({ param: { name: "agent_id", in: "path" } }),
});
export const MemoryParams = AgentParams.extend({
  memory_id: z.uuid().openapi({ param: { name: "memory_id", in: "path" } }),
});

export const BulkDeleteQuery = MemoryFilter.extend({
  confirm: z.literal("true", { error: "bulk deletion needs confirm=true" }),
});

export const BulkDeleteResultSchema = z.object({ deleted: z.number().int() }).openapi("BulkDeleteResult");

export const UpdateMemoryBody = z
  .strictObject({
    content: z.string().min(1).max(8192).optional(),
    category: z.enum(MEMORY_CATEGORIES).optional(),
    confidence: z.number().min(0).max(1).optional(),
    tags: z.array(z.string().min(1).max(64)).max(20).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "give at least one field to change" })
  .openapi("UpdateMemory");

export const UpdateResultSchema = z
  .object({
    memory: MemorySchema,
    merged: z.array(z.uuid()),
    superseded: z.array(z.uuid()),
    flagged: z.enum(["quarantined", "pending_review"]).nullable(),
    conflicts_with: z.array(z.uuid()),
  })
  .openapi("MemoryUpdateResult");

export const ExportBody = MemoryFilter.extend({
  format: z.enum(EXPORT_FORMATS).default("jsonl"),
})
  .strict()
  .openapi("StartMemoryExport");

export const ExportParams = AgentParams.extend({
  job_id: z.uuid().openapi({ param: { name: "job_id", in: "path" } }),
});

export const ExportSchema = z
  .object({
    id: z.uuid(),
    agent_id: z.uuid(),
    format: z.enum(EXPORT_FORMATS),
    status: z.enum(["running", "succeeded", "failed"]),
    filter: z.record(z.string(), z.unknown()),
    count: z.number().int().nullable(),
    bytes: z.number().int().nullable(),
    sha256: z.string().nullable(),
    error: z.string().nullable(),
    created_at: z.string(),
    completed_at: z.string().nullable(),
    expires_at: z.string(),
    download_url: z.string().nullable().openapi({ description: "Signed link, no token needed; expires" }),
    download_expires_at: z.string().nullable(),
  })
  .openapi("MemoryExport");

export const DownloadParams = z.object({
  job_id: z.uuid().openapi({ param: { name: "job_id", in: "path" } }),
});

export const DownloadQuery = z.object({
  org: z.uuid(),
  expires: z.coerce.number().int().positive(),
  signature: z.string().regex(/^[0-9a-f]{64}$/),
});
