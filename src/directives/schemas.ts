import { z } from "@hono/zod-openapi";
import { PageQuery, pageOf } from "../http/openapi.js";

export const DIRECTIVE_MAX_CHARS = 32_768;

export const PutDirectiveBody = z
  .strictObject({
    content: z.string().min(1).max(DIRECTIVE_MAX_CHARS, `at most ${DIRECTIVE_MAX_CHARS} characters`),
    injection_mode: z.enum(["system_first", "system_append"]).optional(),
  })
  .openapi("PutDirective");

export const RollbackBody = z
  .strictObject({ version_num: z.number().int().min(1) })
  .openapi("RollbackDirective");

export const DirectiveVersionSchema = z
  .object({
    id: z.uuid(),
    agent_id: z.uuid(),
    version_num: z.number().int(),
    content: z.string(),
    content_hash: z.string(),
    injection_mode: z.enum(["system_first", "system_append"]),
    active: z.boolean(),
    created_by: z.uuid().nullable(),
    created_at: z.string(),
  })
  .openapi("DirectiveVersion");

export const DirectiveVersionPage = pageOf(DirectiveVersionSchema, "DirectiveVersionPage");
export const DirectiveVersionsQuery = PageQuery;

export const AgentIdParams = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});
export const VersionParams = AgentIdParams.extend({
  version_num: z.coerce
    .number()
    .int()
    .min(1)
    .openapi({ param: { name: "version_num", in: "path" }, type: "integer" }),
});
