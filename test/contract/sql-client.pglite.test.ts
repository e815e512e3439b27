import { openPglite } from "../../src/adapters/pglite/open.js";
import { createPgliteSqlClient } from "../../src/adapters/pglite/sql-client.js";
import { migrate } from "../../src/db/migrate.js";
import { loadMigrations } from "../../src/db/migrations-fs.js";
import { runSqlClientContract } from "./sql-client.contract.js";

runSqlClientContract("pglite", async () => {
  const db = await openPglite();
  const client = createPgliteSqlClient(db, { ownsDb: true });
  await migrate(client, await loadMigrations());
  return { client, close: () => client.close() };
});
