import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";

/**
 * Opens PGlite with pgvector loaded. `dataDir` persists to disk; omitted, the
 * database lives in memory (tests).
 */
export async function openPglite(dataDir?: string): Promise<PGlite> {
  const db = await PGlite.create(dataDir ? { dataDir, extensions: { vector } } : { extensions: { vector } });
  // HNSW builds run out of the default 64 MB quickly on large tables.
  await db.exec("SET maintenance_work_mem = '256MB'");
  return db;
}
