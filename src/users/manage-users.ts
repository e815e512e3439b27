import { recordAudit } from "../audit/record-audit.js";
import { auditActor, type Caller, requireOrgWide, requireScopes } from "../auth/principal.js";
import { isUniqueViolation, type SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { decodeCursor, type Page, toPage } from "../lib/cursor.js";
import { AppError, notFound } from "../lib/errors.js";
import { uuidv7 } from "../lib/ids.js";
import { countOwners, lockUser, toUserView, USER_COLUMNS, type UserRole, type UserView } from "./model.js";

type Deps = { sql: SqlClient };

const emailTaken = () =>
  new AppError("CONFLICT", "a user with this email already exists", {
    fields: [{ path: "email", message: "already in use" }],
  });

/**
 * Adds a user to the caller's org.
 * @throws PERMISSION_DENIED (needs org:admin), CONFLICT (email taken)
 */
export async function createUser(
  deps: Deps,
  caller: Caller,
  input: { email: string; name: string; role: UserRole },
): Promise<UserView> {
  const p = caller.principal;
  requireScopes(p, "org:admin");
  requireOrgWide(p, "users");
  try {
    return await withOrg(deps.sql, p.orgId, async (tx) => {
      const { rows } = await tx.query<Record<string, unknown>>(
        `INSERT INTO users (id, org_id, email, name, role) VALUES ($1, $2, $3, $4, $5) RETURNING ${USER_COLUMNS}`,
        [uuidv7(), p.orgId, input.email, input.name, input.role],
      );
      const user = toUserView(rows[0] ?? {});
      await recordAudit(tx, p.orgId, auditActor(caller), "user.create", user.id, { role: user.role });
      return user;
    });
  } catch (err) {
    if (isUniqueViolation(err, "users_org_email_key")) throw emailTaken();
    throw err;
  }
}

/**
 * Lists the org's users, newest first.
 * @throws PERMISSION_DENIED, INVALID_ARGUMENT (bad cursor)
 */
export async function listUsers(
  deps: Deps,
  caller: Caller,
  q: { limit: number; cursor?: string },
): Promise<Page<UserView>> {
  const p = caller.principal;
  requireScopes(p, "org:admin");
  requireOrgWide(p, "users");
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  return withOrg(deps.sql, p.orgId, async (tx) => {
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT ${USER_COLUMNS} FROM users WHERE org_id = $1 AND ($2::uuid IS NULL OR id < $2::uuid)
        ORDER BY id DESC LIMIT $3`,
      [p.orgId, after, q.limit + 1],
    );
    return toPage(rows.map(toUserView), q.limit);
  });
}

/**
 * Reads one user of the caller's org.
 * @throws PERMISSION_DENIED, NOT_FOUND
 */
export async function getUser(deps: Deps, caller: Caller, id: string): Promise<UserView> {
  const p = caller.principal;
  requireScopes(p, "org:admin");
  requireOrgWide(p, "users");
  return withOrg(deps.sql, p.orgId, async (tx) => {
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT ${USER_COLUMNS} FROM users WHERE org_id = $1 AND id = $2`,
      [p.orgId, id],
    );
    if (!rows[0]) throw notFound("user");
    return toUserView(rows[0]);
  });
}

/**
 * Renames a user or changes their role; the last owner cannot be demoted.
 * @throws PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION
 */
export async function updateUser(
  deps: Deps,
  caller: Caller,
  id: string,
  patch: { name?: string; role?: UserRole },
): Promise<UserView> {
  const p = caller.principal;
  requireScopes(p, "org:admin");
  requireOrgWide(p, "users");
  return withOrg(deps.sql, p.orgId, async (tx) => {
    const current = await lockUser(tx, p.orgId, id);
    if (
      current.role === "owner" &&
      patch.role &&
      patch.role !== "owner" &&
      (await countOwners(tx, p.orgId)) <= 1
    ) {
      throw new AppError("FAILED_PRECONDITION", "the organisation must keep at least one owner");
    }
    const { rows } = await tx.query<Record<string, unknown>>(
      `UPDATE users SET name = $3, role = $4, updated_at = now() WHERE org_id = $1 AND id = $2 RETURNING ${USER_COLUMNS}`,
      [p.orgId, id, patch.name ?? current.name, patch.role ?? current.role],
    );
    await recordAudit(tx, p.orgId, auditActor(caller), "user.update", id, { fields: Object.keys(patch) });
    return toUserView(rows[0] ?? {});
  });
}

/**
 * Removes a user and revokes every token they own.
 * @throws PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION (last owner)
 */
export async function deleteUser(
  deps: Deps,
  caller: Caller,
  id: string,
): Promise<{ revokedTokenIds: string[] }> {
  const p = caller.principal;
  requireScopes(p, "org:admin");
  requireOrgWide(p, "users");
  return withOrg(deps.sql, p.orgId, async (tx) => {
    const current = await lockUser(tx, p.orgId, id);
    if (current.role === "owner" && (await countOwners(tx, p.orgId)) <= 1) {
      throw new AppError("FAILED_PRECONDITION", "the organisation must keep at least one owner");
    }
    const revoked = await tx.query<{ id: string }>(
      `UPDATE api_tokens SET revoked_at = now(), revoked_reason = 'user deleted'
        WHERE org_id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id`,
      [p.orgId, id],
    );
    await tx.query("DELETE FROM users WHERE org_id = $1 AND id = $2", [p.orgId, id]);
    const revokedTokenIds = revoked.rows.map((r) => String(r.id));
    await recordAudit(tx, p.orgId, auditActor(caller), "user.delete", id, {
      revoked_tokens: revokedTokenIds.length,
    });
    return { revokedTokenIds };
  });
}
