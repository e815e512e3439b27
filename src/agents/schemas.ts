import { z } from "@hono/zod-openapi";
import { PageQuery, pageOf } from "../http/openapi.js";

export const AgentConfigSchema = z
  .object({
    memory_extraction_enabled: z.boolean(),
    context_budget_tokens: z.number().int().min(0).max(2_000_000).nullable(),
    max_memories_per_context: z.number().int().min(1).max(200),
    memory_scope: z.enum(["agent", "org"]),
  })
  .openapi("AgentConfig");

export const AgentConfigPatch = AgentConfigSchema.partial().strict();

export const AgentSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    slug: z.string(),
    status: z.enum(["active", "paused", "archived"]),
    config: AgentConfigSchema,
    total_sessions: z.number().int(),
    total_memories: z.number().int(),
    last_active_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Agent");

export const CreateAgentBody = z
  .strictObject({
    name: z.string().trim().min(1).max(255),
    slug: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[a-z0-9-]+$/, "lower-case letters, digits and hyphens only"),
    config: AgentConfigPatch.optional(),
  })
  .openapi("CreateAgent");

export const UpdateAgentBody = z
  .strictObject({
    name: z.string().trim().min(1).max(255).optional(),
    config: AgentConfigPatch.optional(),
  })
  .openapi("UpdateAgent");

export const ListAgentsQuery = PageQuery.extend({
  status: z.enum(["active", "paused", "archived"]).optional(),
});

export const AgentPageSchema = pageOf(AgentSchema, "AgentPage");

export const DeleteAgentQuery = z.object({
  purge: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "true: hard-delete the agent and everything it owns (GDPR purge, 202)" }),
});
