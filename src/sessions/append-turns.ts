import { type Caller, requireAgentAccess, requireScopes } from "../auth/principal.js";
import type { SqlClient, SqlExecutor } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { sha256Hex } from "../lib/crypto.js";
import { AppError, isAppError } from "../lib/errors.js";
import { uuidv7 } from "../lib/ids.js";
import { requireWritableAgent } from "../memory/agent-scope.js";
import type { AppendableChatMemory, Message } from "../memory/ports.js";
import { findSession } from "./find-session.js";
import { type SessionView, toSessionView } from "./model.js";

/** Opens the session's history in a transaction (the Postgres ChatMemory). */
export type ChatMemoryFactory = (scope: {
  orgId: string;
  sessionId: string;
  tx: SqlExecutor;
}) => AppendableChatMemory;

export interface AppendTurnsInput {
  agentId: string;
  sessionId: string;
  messages: Message[];
  idempotencyKey?: string;
}

/** The answer of an append: the session after it, and where the call's turns landed. */
export interface AppendTurnsResult {
  session: SessionView;
  /** Turns this call added (0 for a replay of an idempotency key). */
  appended: number;
  /** `seq` of the first turn this call added. */
  first_seq: number;
  replayed: boolean;
}

const KEY_TTL_HOURS = 24;

/** Canonical hash of a call, so a replayed key can be told from a reused one. */
function requestHash(messages: readonly Message[]): Promise<string> {
  return sha256Hex(
    JSON.stringify(messages.map((m) => [m.role, m.content, m.createdAt ?? null, m.metadata ?? null])),
  );
}

/**
 * Appends turns to a session, creating it on first use (sessions-jobs-archives.md).
 * Everything happens in one transaction under the session row's lock: concurrent
 * calls never lose or interleave each other's turns, and an idempotency key's result
 * is stored with the turns it describes. The same key with the same body returns the
 * first result and adds nothing; with another body it is a conflict. An abandoned
 * session is reopened by new turns; a completed one refuses them.
 * @throws PERMISSION_DENIED, NOT_FOUND (agent), INVALID_ARGUMENT,
 *   CONFLICT (key reused with another body), FAILED_PRECONDITION (completed session
 *   or archived agent)
 */
export async function appendTurns(
  deps: { sql: SqlClient; chatMemory: ChatMemoryFactory },
  caller: Caller,
  input: AppendTurnsInput,
): Promise<AppendTurnsResult> {
  const p = caller.principal;
  requireScopes(p, "session:write");
  requireAgentAccess(p, input.agentId);
  const orgId = p.orgId;
  const hash = input.idempotencyKey ? await requestHash(input.messages) : "";
  const keyScope = `session.append:${input.agentId}`;
  const key = `${input.sessionId} ${input.idempotencyKey ?? ""}`;

  return withOrg(deps.sql, orgId, async (tx) => {
    await requireWritableAgent(tx, orgId, input.agentId);
    const ensureSession = async () => {
      const created = await tx.query(
        `INSERT INTO sessions (id, org_id, agent_id, external_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (org_id, agent_id, external_id) DO NOTHING RETURNING id`,
        [uuidv7(), orgId, input.agentId, input.sessionId],
      );
      if (created.rows[0]) {
        await tx.query(
          "UPDATE agents SET total_sessions = total_sessions + 1 WHERE org_id = $1 AND id = $2",
          [orgId, input.agentId],
        );
      }
    };
    await ensureSession();
    const row = await findSession(tx, orgId, input.agentId, input.sessionId, true).catch(async (err) => {
      // Deleted between the insert and the lock (a session delete, the retention sweep,
      // which held it): the turns start a new session under the same id.
      if (!isAppError(err) || err.code !== "NOT_FOUND") throw err;
      await ensureSession();
      return findSession(tx, orgId, input.agentId, input.sessionId, true);
    });

    if (input.idempotencyKey) {
      const seen = await tx.query<{ request_hash: string; result: unknown; live: boolean }>(
        `SELECT request_hash, result, expires_at > now() AS live FROM idempotency_keys
          WHERE org_id = $1 AND scope = $2 AND key = $3 AND status = 'succeeded'`,
        [orgId, keyScope, key],
      );
      const first = seen.rows[0];
      if (first?.live) {
        if (first.request_hash !== hash) {
          throw new AppError("CONFLICT", "idempotency key was used with another request body");
        }
        const stored = (
          typeof first.result === "string" ? JSON.parse(first.result) : first.result
        ) as AppendTurnsResult;
        return { ...stored, replayed: true };
      }
    }

    if (row.status === "completed") {
      throw new AppError("FAILED_PRECONDITION", "the session is completed; start a new session id");
    }
    const sessionUuid = String(row.id);
    const memory = deps.chatMemory({ orgId, sessionId: sessionUuid, tx });
    const length = await memory.append(input.messages);
    const after = await tx.query(
      `UPDATE sessions SET status = 'active', completed_at = NULL, updated_at = now(), last_activity_at = now()
        WHERE org_id = $1 AND id = $2
       RETURNING id, external_id, agent_id, status, turn_count, last_extracted_turn, metadata, created_at,
                 last_activity_at, completed_at`,
      [orgId, sessionUuid],
    );
    await tx.query("UPDATE agents SET last_active_at = now() WHERE org_id = $1 AND id = $2", [
      orgId,
      input.agentId,
    ]);
    const result: AppendTurnsResult = {
      session: toSessionView(after.rows[0] ?? row),
      appended: input.messages.length,
      first_seq: length - input.messages.length,
      replayed: false,
    };
    if (input.idempotencyKey) {
      await tx.query(
        `INSERT INTO idempotency_keys (org_id, scope, key, request_hash, status, result, expires_at)
         VALUES ($1, $2, $3, $4, 'succeeded', $5, now() + make_interval(hours => $6))
         ON CONFLICT (org_id, scope, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, status = 'succeeded', result = EXCLUDED.result,
               attempts = idempotency_keys.attempts + 1, updated_at = now(), expires_at = EXCLUDED.expires_at`,
        [orgId, keyScope, key, hash, JSON.stringify(result), KEY_TTL_HOURS],
      );
    }
    return result;
  });
}
