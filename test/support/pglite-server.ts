import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { openPglite } from "../../src/adapters/pglite/open.js";
import { createPgliteSqlClient } from "../../src/adapters/pglite/sql-client.js";
import { migrate } from "../../src/db/migrate.js";
import { loadMigrations } from "../../src/db/migrations-fs.js";

/** A migrated in-memory PGlite served over the Postgres wire protocol on loopback. */
export async function startPgliteServer() {
  const db = await openPglite();
  const sql = createPgliteSqlClient(db);
  await migrate(sql, await loadMigrations());
  const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1", maxConnections: 16 });
  await server.start();
  const port = (server as unknown as { port: number }).port;
  return {
    db,
    sql,
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
