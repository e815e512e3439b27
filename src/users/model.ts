import type { SqlExecutor } from "../db/ports.js";
import { toIso } from "../lib/clock.js";
import { notFound } from "../lib/errors.js";

export type UserRole = "owner" | "admin" | "member" | "viewer";

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  created_at: string;
  updated_at: string;
}

export const USER_COLUMNS = "id, email, name, role, created_at, updated_at";

/** Maps a driver row to the API view. */
export function toUserView(row: Record<string, unknown>): UserView {
  return {
    id: String(row.id),
    email: String(row.email),
    name: String(row.name),
    role: row.role as UserRole,
    created_at: toIso(row.created_at) ?? "",
    updated_at: toIso(row.updated_at) ?? "",
  };
}

/**
 * Loads a user of the org, locked for the transaction.
 * @throws NOT_FOUND
 */
export async function lockUser(tx: SqlExecutor, orgId: string, id: string): Promise<UserView> {
  const { rows } = await tx.query<Record<string, unknown>>(
    `SELECT ${USER_COLUMNS} FROM users WHERE org_id = $1 AND id = $2 FOR UPDATE`,
    [orgId, id],
  );
  if (!rows[0]) throw notFound("user");
  return toUserView(rows[0]);
}

/** Number of owners of the org (an org never loses its last owner). */
export async function countOwners(tx: SqlExecutor, orgId: string): Promise<number> {
  const { rows } = await tx.query<{ n: unknown }>(
    "SELECT count(*) AS n FROM users WHERE org_id = $1 AND role = 'owner'",
    [orgId],
  );
  return Number(rows[0]?.n ?? 0);
}
