import { type Caller, requireAgentAccess, requireScopes } from "../auth/principal.js";
import type { SqlClient, SqlExecutor } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { toIso } from "../lib/clock.js";
import { jsonColumn } from "../lib/columns.js";
import { notFound } from "../lib/errors.js";

export type AgentStatus = "active" | "paused" | "archived";

/** Per-agent behaviour; every key has a default so stored configs are always whole. */
export interface AgentConfig {
  memory_extraction_enabled: boolean;
  /** Cap on memory tokens per context; null = derived from the model's window. */
  context_budget_tokens: number | null;
  max_memories_per_context: number;
  memory_scope: "agent" | "org";
}

export const DEFAULT_AGENT_CONFIG: AgentConfig = {
  memory_extraction_enabled: true,
  context_budget_tokens: null,
  max_memories_per_context: 20,
  memory_scope: "agent",
};

export interface AgentView {
  id: string;
  name: string;
  slug: string;
  status: AgentStatus;
  config: AgentConfig;
  total_sessions: number;
  total_memories: number;
  last_active_at: string | null;
  created_at: string;
  updated_at: string;
}

export const AGENT_COLUMNS =
  "id, name, slug, status, config, total_sessions, total_memories, last_active_at, created_at, updated_at";

/** Maps a driver row to the API view. */
export function toAgentView(row: Record<string, unknown>): AgentView {
  const config = jsonColumn<Partial<AgentConfig>>(row.config);
  return {
    id: String(row.id),
    name: String(row.name),
    slug: String(row.slug),
    status: row.status as AgentStatus,
    config: { ...DEFAULT_AGENT_CONFIG, ...config },
    total_sessions: Number(row.total_sessions),
    total_memories: Number(row.total_memories),
    last_active_at: toIso(row.last_active_at),
    created_at: toIso(row.created_at) ?? "",
    updated_at: toIso(row.updated_at) ?? "",
  };
}

/**
 * Loads a live agent of the org and locks it for the rest of the transaction.
 * @throws NOT_FOUND when it does not exist, is deleted or belongs to another org.
 */
export async function lockAgent(tx: SqlExecutor, orgId: string, id: string): Promise<AgentView> {
  const { rows } = await tx.query<Record<string, unknown>>(
    `SELECT ${AGENT_COLUMNS} FROM agents WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE`,
    [orgId, id],
  );
  const row = rows[0];
  if (!row) throw notFound("agent");
  return toAgentView(row);
}

/** Which status each lifecycle action leads to from each status; archived is terminal. */
export const TRANSITIONS: Record<
  "activate" | "pause" | "archive",
  Partial<Record<AgentStatus, AgentStatus>>
> = {
  activate: { active: "active", paused: "active" },
  pause: { active: "paused", paused: "paused" },
  archive: { active: "archived", paused: "archived", archived: "archived" },
};

/**
 * The frame of every agent change: agent:write, the token's agent restriction, one
 * org-scoped transaction, and the agent locked before `fn` sees it.
 * @throws PERMISSION_DENIED, NOT_FOUND
 */
export function mutateAgent<T>(
  sql: SqlClient,
  caller: Caller,
  id: string,
  fn: (tx: SqlExecutor, current: AgentView) => Promise<T>,
): Promise<T> {
  const p = caller.principal;
  requireScopes(p, "agent:write");
  requireAgentAccess(p, id);
  return withOrg(sql, p.orgId, async (tx) => fn(tx, await lockAgent(tx, p.orgId, id)));
}
