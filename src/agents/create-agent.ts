import { recordAudit } from "../audit/record-audit.js";
import { auditActor, type Caller, requireScopes } from "../auth/principal.js";
import { isUniqueViolation, type SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { AppError } from "../lib/errors.js";
import { uuidv7 } from "../lib/ids.js";
import {
  AGENT_COLUMNS,
  type AgentConfig,
  type AgentView,
  DEFAULT_AGENT_CONFIG,
  toAgentView,
} from "./model.js";

/**
 * Creates an agent.
 * @throws PERMISSION_DENIED without agent:write or for an agent-restricted token.
 * @throws CONFLICT when a live agent of the org already has the slug.
 */
export async function createAgent(
  deps: { sql: SqlClient },
  caller: Caller,
  input: { name: string; slug: string; config?: Partial<AgentConfig> },
): Promise<AgentView> {
  const p = caller.principal;
  requireScopes(p, "agent:write");
  if (p.agentId !== null)
    throw new AppError("PERMISSION_DENIED", "an agent-restricted token cannot create agents");
  const config = { ...DEFAULT_AGENT_CONFIG, ...input.config };
  try {
    return await withOrg(deps.sql, p.orgId, async (tx) => {
      const { rows } = await tx.query<Record<string, unknown>>(
        `INSERT INTO agents (id, org_id, name, slug, config) VALUES ($1, $2, $3, $4, $5) RETURNING ${AGENT_COLUMNS}`,
        [uuidv7(), p.orgId, input.name, input.slug, JSON.stringify(config)],
      );
      const agent = toAgentView(rows[0] ?? {});
      await recordAudit(tx, p.orgId, auditActor(caller), "agent.create", agent.id, { slug: agent.slug });
      return agent;
    });
  } catch (err) {
    if (isUniqueViolation(err, "agents_org_slug_key")) {
      throw new AppError("CONFLICT", "an agent with this slug already exists", {
        fields: [{ path: "slug", message: "already in use" }],
      });
    }
    throw err;
  }
}
