import { createPgSqlClient } from "../../src/adapters/pg/sql-client.js";
import { startPgliteServer } from "../support/pglite-server.js";
import { runSqlClientContract } from "./sql-client.contract.js";

runSqlClientContract("pg", async () => {
  const server = await startPgliteServer();
  const client = createPgSqlClient({ connectionString: server.url, max: 2 });
  return {
    client,
    async close() {
      await client.close();
      await server.stop();
    },
  };
});
