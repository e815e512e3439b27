import { recordAudit } from "../audit/record-audit.js";
import { isSubset, maskOf, PRESETS, type Preset, type Scope } from "../auth/permissions.js";
import { auditActor, type Caller, requireAgentAccess, requireScopes } from "../auth/principal.js";
import type { SqlClient, SqlExecutor } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import type { Clock } from "../lib/clock.js";
import { AppError, notFound } from "../lib/errors.js";
import { insertToken } from "./insert-token.js";
import type { TokenView } from "./model.js";

export interface CreateTokenInput {
  name: string;
  kind: "pat" | "service";
  preset?: Preset;
  scopes?: Scope[];
  agent_id?: string;
  user_id?: string;
  expires_at?: string;
}

async function exists(tx: SqlExecutor, table: "agents" | "users", orgId: string, id: string) {
  const extra = table === "agents" ? " AND deleted_at IS NULL" : "";
  const { rows } = await tx.query(`SELECT 1 FROM ${table} WHERE org_id = $1 AND id = $2${extra}`, [
    orgId,
    id,
  ]);
  return rows.length > 0;
}

/**
 * Creates a token in the caller's org. A token can grant only scopes its creator
 * holds, and an agent-restricted creator can only mint tokens for the same agent.
 * @throws PERMISSION_DENIED, NOT_FOUND (agent or user of another org), INVALID_ARGUMENT
 */
export async function createToken(
  deps: { sql: SqlClient; pepper: string; clock: Clock },
  caller: Caller,
  input: CreateTokenInput,
): Promise<TokenView & { token: string }> {
  const p = caller.principal;
  requireScopes(p, "token:create");
  const scopes = input.scopes ?? PRESETS[input.preset ?? "read-only"];
  const permissions = maskOf(scopes);
  if (!isSubset(permissions, p.permissions)) {
    throw new AppError("PERMISSION_DENIED", "cannot grant scopes the creating token does not hold");
  }
  const agentId = input.agent_id ?? p.agentId;
  if (agentId) requireAgentAccess(p, agentId);
  if (input.expires_at && Date.parse(input.expires_at) <= deps.clock.now()) {
    throw new AppError("INVALID_ARGUMENT", "expires_at must be in the future", {
      fields: [{ path: "expires_at", message: "must be in the future" }],
    });
  }
  if (input.kind === "service" && input.user_id) {
    throw new AppError("INVALID_ARGUMENT", "service tokens belong to no user", {
      fields: [{ path: "user_id", message: "not allowed for kind=service" }],
    });
  }
  const userId = input.kind === "pat" ? (input.user_id ?? p.userId) : null;
  return withOrg(deps.sql, p.orgId, async (tx) => {
    if (agentId && !(await exists(tx, "agents", p.orgId, agentId))) throw notFound("agent");
    if (input.user_id && !(await exists(tx, "users", p.orgId, input.user_id))) throw notFound("user");
    const { view, plaintext } = await insertToken(tx, deps.pepper, {
      orgId: p.orgId,
      name: input.name,
      kind: input.kind,
      permissions,
      agentId,
      userId,
      createdBy: p.tokenId,
      expiresAt: input.expires_at ?? null,
    });
    await recordAudit(tx, p.orgId, auditActor(caller), "token.create", view.id, {
      kind: view.kind,
      scopes: view.scopes,
      agent_id: view.agent_id,
    });
    return { ...view, token: plaintext };
  });
}
