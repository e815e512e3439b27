import { mintToken, type TokenKind } from "../auth/token-format.js";
import { hashTokenSecret } from "../auth/verify-token.js";
import type { SqlExecutor } from "../db/ports.js";
import { TOKEN_COLUMNS, type TokenView, toTokenView } from "./model.js";

export interface NewToken {
  orgId: string;
  name: string;
  kind: TokenKind;
  permissions: number;
  agentId?: string | null;
  userId?: string | null;
  createdBy?: string | null;
  expiresAt?: string | null;
  /** Use this plaintext (bootstrap from ENGRAM_BOOTSTRAP_TOKEN) instead of minting one. */
  preset?: { id: string; secret: string; prefix: string; plaintext: string };
}

/**
 * Mints and stores a token inside the caller's transaction (which must be scoped to
 * `orgId`). Only the keyed hash is stored; the plaintext is returned once.
 */
export async function insertToken(
  tx: SqlExecutor,
  pepper: string,
  t: NewToken,
): Promise<{ view: TokenView; plaintext: string }> {
  const minted = t.preset ?? mintToken(t.kind);
  const secretHash = await hashTokenSecret(pepper, minted.id, minted.secret);
  const { rows } = await tx.query<Record<string, unknown>>(
    `INSERT INTO api_tokens
       (id, org_id, user_id, name, kind, prefix, secret_hash, permissions, agent_id, created_by, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     RETURNING ${TOKEN_COLUMNS}`,
    [
      minted.id,
      t.orgId,
      t.userId ?? null,
      t.name,
      t.kind,
      minted.prefix,
      secretHash,
      t.permissions,
      t.agentId ?? null,
      t.createdBy ?? null,
      t.expiresAt ?? null,
    ],
  );
  const row = rows[0];
  if (!row) throw new Error("token insert returned no row");
  return { view: toTokenView(row), plaintext: minted.plaintext };
}
