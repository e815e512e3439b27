import { z } from "@hono/zod-openapi";
import { PRESETS, SCOPES } from "../auth/permissions.js";
import { PageQuery, pageOf } from "../http/openapi.js";

export const TokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kind: z.enum(["pat", "service"]),
    prefix: z.string().openapi({ description: "Public part of the token, safe to display" }),
    scopes: z.array(z.enum(SCOPES)),
    agent_id: z.uuid().nullable(),
    user_id: z.uuid().nullable(),
    expires_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    revoked_reason: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("Token");

export const CreatedTokenSchema = TokenSchema.extend({
  token: z.string().openapi({ description: "The plaintext token. Shown once; store it now." }),
}).openapi("CreatedToken");

export const CreateTokenBody = z
  .strictObject({
    name: z.string().trim().min(1).max(255),
    kind: z.enum(["pat", "service"]).default("pat"),
    preset: z.enum(Object.keys(PRESETS) as [keyof typeof PRESETS]).optional(),
    scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length).optional(),
    agent_id: z.uuid().optional(),
    user_id: z.uuid().optional(),
    expires_at: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((b) => (b.preset === undefined) !== (b.scopes === undefined), {
    message: "give exactly one of preset or scopes",
    path: ["scopes"],
  })
  .openapi("CreateToken");

export const RevokeTokenBody = z
  .strictObject({ reason: z.string().trim().min(1).max(500).optional() })
  .openapi("RevokeToken");

export const ListTokensQuery = PageQuery.extend({
  include_revoked: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
});

export const TokenPageSchema = pageOf(TokenSchema, "TokenPage");
