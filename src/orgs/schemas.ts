import { z } from "@hono/zod-openapi";
import { CreatedTokenSchema } from "../tokens/schemas.js";

const Slug = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9-]+$/, "lower-case letters, digits and hyphens only");

export const OrgSettingsSchema = z
  .object({
    session_retention_days: z.number().int().min(1).max(3650),
    max_agents: z.number().int().min(1).max(1_000_000).nullable(),
  })
  .openapi("OrgSettings");

export const OrgSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    slug: z.string(),
    tier: z.enum(["free", "pro", "enterprise"]),
    status: z.enum(["active", "suspended", "deleted"]),
    settings: OrgSettingsSchema,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Org");

export const CreateOrgBody = z
  .strictObject({
    name: z.string().trim().min(1).max(255),
    slug: Slug,
    tier: z.enum(["free", "pro", "enterprise"]).default("free"),
    owner: z
      .strictObject({ email: z.email().max(320), name: z.string().trim().max(255).default("") })
      .optional(),
  })
  .openapi("CreateOrg");

export const CreatedOrgSchema = z
  .object({ org: OrgSchema, admin_token: CreatedTokenSchema })
  .openapi("CreatedOrg");

export const UpdateOrgBody = z
  .strictObject({
    name: z.string().trim().min(1).max(255).optional(),
    settings: OrgSettingsSchema.partial().strict().optional(),
  })
  .openapi("UpdateOrg");
