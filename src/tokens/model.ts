import { type Scope, scopesOf } from "../auth/permissions.js";
import type { TokenKind } from "../auth/token-format.js";
import { toIso } from "../lib/clock.js";

/** A token as the API shows it: never the secret or its hash. */
export interface TokenView {
  id: string;
  name: string;
  kind: TokenKind;
  prefix: string;
  scopes: Scope[];
  agent_id: string | null;
  user_id: string | null;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  revoked_reason: string | null;
  created_at: string;
}

/** Columns selected for a TokenView. */
export const TOKEN_COLUMNS =
  "id, name, kind, prefix, permissions, agent_id, user_id, expires_at, last_used_at, revoked_at, revoked_reason, created_at";

/** Maps a driver row to the API view. */
export function toTokenView(row: Record<string, unknown>): TokenView {
  return {
    id: String(row.id),
    name: String(row.name),
    kind: row.kind === "service" ? "service" : "pat",
    prefix: String(row.prefix),
    scopes: scopesOf(Number(row.permissions)),
    agent_id: row.agent_id ? String(row.agent_id) : null,
    user_id: row.user_id ? String(row.user_id) : null,
    expires_at: toIso(row.expires_at),
    last_used_at: toIso(row.last_used_at),
    revoked_at: toIso(row.revoked_at),
    revoked_reason: row.revoked_reason ? String(row.revoked_reason) : null,
    created_at: toIso(row.created_at) ?? "",
  };
}
