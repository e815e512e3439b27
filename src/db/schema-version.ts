/**
 * The newest migration this build expects. Readiness fails until the database has
 * it, so a Worker deployed ahead of its migration reports not-ready instead of failing
 * requests. A unit test keeps this in step with `migrations/`.
 */
export const LATEST_MIGRATION = "0013_purge_objects.sql";
