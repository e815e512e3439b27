import { AppError } from "../lib/errors.js";
import { isUuid } from "../lib/ids.js";
import type { QueryResult, Row, SqlClient, SqlExecutor, TransactionOptions } from "./ports.js";
import { setConfigStatement } from "./settings.js";

/** The database role the application runs as; subject to row-level security. */
export const APP_ROLE = "engram_app";

/**
 * Runs `fn` in a transaction as the application role with `app.current_org_id` set
 * (transaction-local, safe on pooled connections). Every tenant table's policy reads
 * that setting, so a query that forgets its org filter still sees only this org.
 * @throws INTERNAL when `orgId` is not a UUID (fail closed rather than run unscoped).
 */
export function withOrg<T>(
  sql: SqlClient,
  orgId: string,
  fn: (tx: SqlExecutor) => Promise<T>,
  options?: TransactionOptions,
): Promise<T> {
  if (!isUuid(orgId)) throw new AppError("INTERNAL", "tenant scope missing");
  return sql.transaction(async (tx) => {
    await tx.query("SELECT set_config('role', $1, true), set_config('app.current_org_id', $2, true)", [
      APP_ROLE,
      orgId,
    ]);
    return fn(tx);
  }, options);
}

/**
 * One statement in its own transaction, scoped as `withOrg` is, with extra
 * transaction-local settings (ANN parameters, say). One round trip on adapters that
 * support it: the hot path's reads use it.
 * @throws INTERNAL when `orgId` is not a UUID.
 */
export function queryAsOrg<T = Row>(
  sql: SqlClient,
  orgId: string,
  text: string,
  params: readonly unknown[],
  options: TransactionOptions & { settings?: readonly (readonly [string, string])[] } = {},
): Promise<QueryResult<T>> {
  if (!isUuid(orgId)) throw new AppError("INTERNAL", "tenant scope missing");
  const { settings = [], ...txOptions } = options;
  const all: (readonly [string, string])[] = [["role", APP_ROLE], ["app.current_org_id", orgId], ...settings];
  if (sql.queryWithSettings) return sql.queryWithSettings<T>(all, text, params, txOptions);
  const prologue = setConfigStatement(all);
  return sql.transaction(async (tx) => {
    await tx.query(prologue.text, prologue.params);
    return tx.query<T>(text, params);
  }, txOptions);
}

/**
 * Runs `fn` as the application role with no org in scope: every tenant table reads
 * as empty. Used for the token lookup, whose own policy admits the one row named by
 * `app.token_lookup_id`.
 */
export function withTokenLookup<T>(
  sql: SqlClient,
  tokenId: string,
  fn: (tx: SqlExecutor) => Promise<T>,
  options?: TransactionOptions,
): Promise<T> {
  if (!isUuid(tokenId)) throw new AppError("UNAUTHENTICATED", "invalid token");
  return sql.transaction(async (tx) => {
    await tx.query("SELECT set_config('role', $1, true), set_config('app.token_lookup_id', $2, true)", [
      APP_ROLE,
      tokenId,
    ]);
    return fn(tx);
  }, options);
}
