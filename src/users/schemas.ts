import { z } from "@hono/zod-openapi";
import { PageQuery, pageOf } from "../http/openapi.js";

const Role = z.enum(["owner", "admin", "member", "viewer"]);

export const UserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: Role,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("User");

export const CreateUserBody = z
  .strictObject({
    email: z.email().max(320),
    name: z.string().trim().max(255).default(""),
    role: Role.default("member"),
  })
  .openapi("CreateUser");

export const UpdateUserBody = z
  .strictObject({ name: z.string().trim().max(255).optional(), role: Role.optional() })
  .openapi("UpdateUser");

export const ListUsersQuery = PageQuery;
export const UserPageSchema = pageOf(UserSchema, "UserPage");
