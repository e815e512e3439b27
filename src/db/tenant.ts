import { AppError } from "../lib/errors.js";
import { isUuid } from "../lib/ids.js";
import type { QueryResult, Row, SqlClient, SqlExecutor, TransactionOptions } from "./ports.js";
import { setConfigStatement } from "./settings.js";

/** The database role the application runs as; subject to row-level security. */
export const APP_ROLE = "engram_app";

type Settings = readonly (readonly [string, string])[];

/** `fn` in a transaction whose first statement sets `settings` (transaction-local). */
function withSettings<T>(
  sql: SqlClient,
  settings: Settings,
  fn: (tx: SqlExecutor) => Promise<T>,
  options?: TransactionOptions,
): Promise<T> {
  const prologue = setConfigStatement(settings);
  return sql.transaction(async (tx) => {
    await tx.query(prologue.text, prologue.params);
    return fn(tx);
  }, options);
}

/** The settings every tenant-scoped statement runs under. */
function orgScope(orgId: string): Settings {
  if (!isUuid(orgId)) throw new AppError("INTERNAL", "tenant scope missing");
  return [
    ["role", APP_ROLE],
    ["app.current_org_id", orgId],
  ];
}

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
  return withSettings(sql, orgScope(orgId), fn, options);
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
  options: TransactionOptions & { settings?: Settings } = {},
): Promise<QueryResult<T>> {
  const { settings = [], ...txOptions } = options;
  const all = [...orgScope(orgId), ...settings];
  if (sql.queryWithSettings) return sql.queryWithSettings<T>(all, text, params, txOptions);
  return withSettings(sql, all, (tx) => tx.query<T>(text, params), txOptions);
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
  const settings: Settings = [
    ["role", APP_ROLE],
    ["app.token_lookup_id", tokenId],
  ];
  return withSettings(sql, settings, fn, options);
}

/** What cross-org background work may read and write (a maintenance policy per table). */
export type MaintenancePurpose = "jobs" | "sessions" | "retention" | "purges";

/**
 * Runs `fn` as the application role with no org in scope but `app.maintenance` set:
 * tenant tables read as empty except those whose maintenance policy admits `purpose`
 * (migration 0009). Used by the job worker's claim and the idle-session sweep, which
 * must see every org's rows and nothing else.
 */
export function withMaintenance<T>(
  sql: SqlClient,
  purpose: MaintenancePurpose,
  fn: (tx: SqlExecutor) => Promise<T>,
  options?: TransactionOptions,
): Promise<T> {
  const settings: Settings = [
    ["role", APP_ROLE],
    ["app.maintenance", purpose],
  ];
  return withSettings(sql, settings, fn, options);
}
