import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";

export interface PgliteOptions {
  /** Persists to this directory; omitted, the database lives in memory (tests). */
  dataDir?: string;
  /**
   * Postgres' page cache. PGlite's default (128 MB) is smaller than the HNSW index
   * of 100k 384-d memories, and every miss is a synchronous file read: at 256 MB the
   * ANN query at 100k ran in 2.0 ms instead of 3.2 ms (ADR-0043).
   */
  sharedBuffersMb?: number;
}

/** Opens PGlite with pgvector loaded. */
export async function openPglite(options: PgliteOptions = {}): Promise<PGlite> {
  const startParams = [...PGlite.defaultStartParams];
  if (options.sharedBuffersMb) startParams.push("-c", `shared_buffers=${options.sharedBuffersMb}MB`);
  const db = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    extensions: { vector },
    startParams,
  });
  // HNSW builds run out of the default 64 MB quickly on large tables.
  await db.exec("SET maintenance_work_mem = '256MB'");
  return db;
}
