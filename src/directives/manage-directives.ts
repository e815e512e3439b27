import { recordAudit } from "../audit/record-audit.js";
import { auditActor, type Caller, requireAgentAccess, requireScopes } from "../auth/principal.js";
import type { SqlClient, SqlExecutor } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import type { Clock } from "../lib/clock.js";
import { toIso } from "../lib/clock.js";
import { sha256Hex } from "../lib/crypto.js";
import { decodeCursor, encodeCursor } from "../lib/cursor.js";
import { AppError, notFound } from "../lib/errors.js";
import { uuidv7 } from "../lib/ids.js";
import { requireAgent } from "../memory/agent-scope.js";
import type { DirectiveCache } from "./cache.js";

export type InjectionMode = "system_first" | "system_append";

/** A directive version as the API shows it. */
export interface DirectiveVersionView {
  id: string;
  agent_id: string;
  version_num: number;
  content: string;
  content_hash: string;
  injection_mode: InjectionMode;
  active: boolean;
  created_by: string | null;
  created_at: string;
}

type Deps = { sql: SqlClient; clock: Clock; directiveCache: DirectiveCache };

const VERSION_COLUMNS = `v.id, d.agent_id, v.version_num, v.content, v.content_hash, d.injection_mode,
  (d.active_version_id = v.id) AS active, v.created_by, v.created_at`;

function toView(r: Record<string, unknown>): DirectiveVersionView {
  return {
    id: String(r.id),
    agent_id: String(r.agent_id),
    version_num: Number(r.version_num),
    content: String(r.content),
    content_hash: String(r.content_hash),
    injection_mode: r.injection_mode === "system_append" ? "system_append" : "system_first",
    active: r.active === true,
    created_by: r.created_by ? String(r.created_by) : null,
    created_at: toIso(r.created_at) ?? "",
  };
}

async function versionWhere(tx: SqlExecutor, orgId: string, agentId: string, where: string, arg?: unknown) {
  const { rows } = await tx.query<Record<string, unknown>>(
    `SELECT ${VERSION_COLUMNS} FROM directives d JOIN directive_versions v ON v.org_id = d.org_id AND v.directive_id = d.id
      WHERE d.org_id = $1 AND d.agent_id = $2 AND ${where}`,
    arg === undefined ? [orgId, agentId] : [orgId, agentId, arg],
  );
  return rows[0] ? toView(rows[0]) : null;
}

function begin(caller: Caller, agentId: string, scope: "directive:read" | "directive:write") {
  requireScopes(caller.principal, scope);
  requireAgentAccess(caller.principal, agentId);
  return caller.principal.orgId;
}

/**
 * The agent's active directive.
 * @throws PERMISSION_DENIED, NOT_FOUND (agent, or no directive)
 */
export async function getDirective(
  deps: Deps,
  caller: Caller,
  agentId: string,
): Promise<DirectiveVersionView> {
  const orgId = begin(caller, agentId, "directive:read");
  return withOrg(deps.sql, orgId, async (tx) => {
    await requireAgent(tx, orgId, agentId);
    const v = await versionWhere(tx, orgId, agentId, "v.id = d.active_version_id");
    if (!v) throw notFound("directive");
    return v;
  });
}

/**
 * Writes a new immutable version and makes it active (the directive is created on
 * the first write). The text is never logged or audited, only its hash.
 * @throws PERMISSION_DENIED, NOT_FOUND (agent), FAILED_PRECONDITION (archived agent)
 */
export async function putDirective(
  deps: Deps,
  caller: Caller,
  agentId: string,
  input: { content: string; injection_mode?: InjectionMode },
): Promise<DirectiveVersionView> {
  const orgId = begin(caller, agentId, "directive:write");
  const hash = await sha256Hex(input.content);
  const view = await withOrg(deps.sql, orgId, async (tx) => {
    const agent = await tx.query<{ status: string }>(
      "SELECT status FROM agents WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE",
      [orgId, agentId],
    );
    if (!agent.rows[0]) throw notFound("agent");
    if (agent.rows[0].status === "archived")
      throw new AppError("FAILED_PRECONDITION", "the agent is archived");
    const d = await tx.query<{ id: string }>(
      `INSERT INTO directives (id, org_id, agent_id, injection_mode) VALUES ($1, $2, $3, coalesce($4, 'system_first'))
       ON CONFLICT (agent_id) DO UPDATE SET injection_mode = coalesce($4, directives.injection_mode), updated_at = now()
       RETURNING id`,
      [uuidv7(deps.clock.now()), orgId, agentId, input.injection_mode ?? null],
    );
    const directiveId = String(d.rows[0]?.id);
    const versionId = uuidv7(deps.clock.now());
    await tx.query(
      `INSERT INTO directive_versions (id, org_id, directive_id, version_num, content, content_hash, created_by)
       SELECT $1, $2, $3, coalesce(max(version_num), 0) + 1, $4, $5, $6 FROM directive_versions WHERE directive_id = $3`,
      [versionId, orgId, directiveId, input.content, hash, caller.principal.userId],
    );
    await tx.query("UPDATE directives SET active_version_id = $2, updated_at = now() WHERE id = $1", [
      directiveId,
      versionId,
    ]);
    const v = await versionWhere(tx, orgId, agentId, "v.id = $3", versionId);
    await recordAudit(tx, orgId, auditActor(caller), "directive.update", agentId, {
      version_num: v?.version_num,
      content_hash: hash,
      chars: input.content.length,
    });
    return v as DirectiveVersionView;
  });
  deps.directiveCache.invalidate(orgId, agentId);
  return view;
}

/**
 * Removes the active directive (the pointer); the versions stay for history and rollback.
 * @throws PERMISSION_DENIED, NOT_FOUND
 */
export async function deleteDirective(deps: Deps, caller: Caller, agentId: string): Promise<void> {
  const orgId = begin(caller, agentId, "directive:write");
  await withOrg(deps.sql, orgId, async (tx) => {
    await requireAgent(tx, orgId, agentId);
    const { rows } = await tx.query(
      `UPDATE directives SET active_version_id = NULL, updated_at = now()
        WHERE org_id = $1 AND agent_id = $2 AND active_version_id IS NOT NULL RETURNING id`,
      [orgId, agentId],
    );
    if (rows.length === 0) throw notFound("directive");
    await recordAudit(tx, orgId, auditActor(caller), "directive.delete", agentId);
  });
  deps.directiveCache.invalidate(orgId, agentId);
}

/**
 * The directive's versions, newest first (cursor pagination).
 * @throws PERMISSION_DENIED, NOT_FOUND (agent), INVALID_ARGUMENT (cursor)
 */
export async function listDirectiveVersions(
  deps: Deps,
  caller: Caller,
  agentId: string,
  q: { limit: number; cursor?: string },
): Promise<{ items: DirectiveVersionView[]; next_cursor: string | null }> {
  const orgId = begin(caller, agentId, "directive:read");
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  return withOrg(deps.sql, orgId, async (tx) => {
    await requireAgent(tx, orgId, agentId);
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT ${VERSION_COLUMNS} FROM directives d JOIN directive_versions v ON v.org_id = d.org_id AND v.directive_id = d.id
        WHERE d.org_id = $1 AND d.agent_id = $2
          AND ($3::uuid IS NULL OR v.version_num < (SELECT version_num FROM directive_versions WHERE id = $3::uuid))
        ORDER BY v.version_num DESC LIMIT $4`,
      [orgId, agentId, after, q.limit + 1],
    );
    const items = rows.slice(0, q.limit).map(toView);
    const last = items[items.length - 1];
    return { items, next_cursor: rows.length > q.limit && last ? encodeCursor(last.id) : null };
  });
}

/**
 * One version by number.
 * @throws PERMISSION_DENIED, NOT_FOUND
 */
export async function getDirectiveVersion(
  deps: Deps,
  caller: Caller,
  agentId: string,
  versionNum: number,
): Promise<DirectiveVersionView> {
  const orgId = begin(caller, agentId, "directive:read");
  return withOrg(deps.sql, orgId, async (tx) => {
    await requireAgent(tx, orgId, agentId);
    const v = await versionWhere(tx, orgId, agentId, "v.version_num = $3", versionNum);
    if (!v) throw notFound("directive version");
    return v;
  });
}

/**
 * Makes an earlier version active again. Only the pointer moves: no version is
 * written or changed.
 * @throws PERMISSION_DENIED, NOT_FOUND
 */
export async function rollbackDirective(
  deps: Deps,
  caller: Caller,
  agentId: string,
  versionNum: number,
): Promise<DirectiveVersionView> {
  const orgId = begin(caller, agentId, "directive:write");
  const view = await withOrg(deps.sql, orgId, async (tx) => {
    await requireAgent(tx, orgId, agentId);
    const target = await versionWhere(tx, orgId, agentId, "v.version_num = $3", versionNum);
    if (!target) throw notFound("directive version");
    await tx.query(
      "UPDATE directives SET active_version_id = $3, updated_at = now() WHERE org_id = $1 AND agent_id = $2",
      [orgId, agentId, target.id],
    );
    await recordAudit(tx, orgId, auditActor(caller), "directive.rollback", agentId, {
      version_num: versionNum,
    });
    return { ...target, active: true };
  });
  deps.directiveCache.invalidate(orgId, agentId);
  return view;
}
