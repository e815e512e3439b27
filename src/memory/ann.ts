/**
 * Session settings for ANN queries (ADR-0035): HNSW with ef_search = 200 reached
 * recall@10 0.992 at 100k memories in one agent; iterative scans keep filtered
 * queries from returning fewer rows than asked. `order` is strict where the caller
 * relies on the index order, relaxed where it re-ranks anyway.
 */
export function annSettings(order: "strict_order" | "relaxed_order"): string {
  return `SELECT set_config('hnsw.ef_search', '200', true), set_config('hnsw.iterative_scan', '${order}', true)`;
}
