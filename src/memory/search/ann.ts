import type { SqlExecutor } from "../../db/ports.js";
import { setConfigStatement } from "../../db/settings.js";

/**
 * Sets the ANN query settings on the transaction (ADR-0035): HNSW with ef_search =
 * 200 reached recall@10 0.992 at 100k memories in one agent; iterative scans keep
 * filtered queries from returning fewer rows than asked. `order` is strict where the caller
 * relies on the index order, relaxed where it re-ranks anyway.
 */
export function applyAnnSettings(tx: SqlExecutor, order: "strict_order" | "relaxed_order"): Promise<unknown> {
  const { text, params } = setConfigStatement(annSettingPairs(order));
  return tx.query(text, params);
}

/** The same settings as name/value pairs, for `queryAsOrg`. */
export function annSettingPairs(order: "strict_order" | "relaxed_order"): [string, string][] {
  return [
    ["hnsw.ef_search", "200"],
    ["hnsw.iterative_scan", order],
  ];
}
