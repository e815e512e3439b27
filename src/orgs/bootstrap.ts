import { recordAudit } from "../audit/record-audit.js";
import { maskOf, SCOPES } from "../auth/permissions.js";
import { parseToken, tokenPrefix } from "../auth/token-format.js";
import type { SqlClient } from "../db/ports.js";
import { uuidv7 } from "../lib/ids.js";
import { insertToken } from "../tokens/insert-token.js";

export interface BootstrapResult {
  /** False when an earlier start already bootstrapped this database. */
  created: boolean;
  orgId: string;
  /** The admin token's plaintext, only when this call minted it. */
  mintedToken: string | null;
}

/**
 * First start of a database: creates the default org and an admin token holding every
 * scope (platform admin included). Runs as the migrating role, claims a marker row in
 * `engram_system` so concurrent or later starts do nothing. With `presetToken`
 * (ENGRAM_BOOTSTRAP_TOKEN) that token is registered instead of minting one.
 */
export async function bootstrap(
  sql: SqlClient,
  pepper: string,
  presetToken?: string,
): Promise<BootstrapResult> {
  const orgId = uuidv7();
  return sql.transaction(async (tx) => {
    const claimed = await tx.query(
      `INSERT INTO engram_system (key, value) VALUES ('bootstrap', $1)
       ON CONFLICT (key) DO NOTHING RETURNING key`,
      [JSON.stringify({ org_id: orgId })],
    );
    if (claimed.rows.length === 0) {
      const { rows } = await tx.query<{ value: unknown }>(
        "SELECT value FROM engram_system WHERE key = 'bootstrap'",
      );
      const value = (typeof rows[0]?.value === "string" ? JSON.parse(rows[0].value) : rows[0]?.value) as {
        org_id: string;
      };
      return { created: false, orgId: value.org_id, mintedToken: null };
    }
    // The migrating role may itself be subject to forced RLS (Neon's owner role).
    await tx.query("SELECT set_config('app.current_org_id', $1, true)", [orgId]);
    await tx.query(
      "INSERT INTO orgs (id, name, slug, tier) VALUES ($1, 'Default', 'default', 'enterprise')",
      [orgId],
    );
    const parsed = presetToken ? parseToken(presetToken) : null;
    const { view, plaintext } = await insertToken(tx, pepper, {
      orgId,
      name: "bootstrap admin token",
      kind: parsed?.kind ?? "pat",
      permissions: maskOf(SCOPES),
      ...(parsed && presetToken
        ? {
            preset: {
              id: parsed.id,
              secret: parsed.secret,
              prefix: tokenPrefix(parsed.kind, parsed.id),
              plaintext: presetToken,
            },
          }
        : {}),
    });
    await recordAudit(tx, orgId, { actor: "system", requestId: null }, "org.bootstrap", orgId, {
      token_id: view.id,
    });
    return { created: true, orgId, mintedToken: parsed ? null : plaintext };
  });
}
