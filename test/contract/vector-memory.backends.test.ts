import { createMemoryVectorMemory } from "../../src/adapters/in-memory/vector-memory.js";
import { openPglite } from "../../src/adapters/pglite/open.js";
import { createPgliteSqlClient } from "../../src/adapters/pglite/sql-client.js";
import { createPgVectorMemory } from "../../src/adapters/postgres/vector-memory.js";
import { migrate } from "../../src/db/migrate.js";
import { loadMigrations } from "../../src/db/migrations-fs.js";
import { seedTenant } from "../support/tenant.js";
import { runVectorMemoryContract } from "./vector-memory.contract.js";

runVectorMemoryContract("in-memory (brute force)", async () => ({
  open: async () => createMemoryVectorMemory(384),
  close: async () => {},
}));

runVectorMemoryContract("pgvector (PGlite)", async () => {
  const sql = createPgliteSqlClient(await openPglite(), { ownsDb: true });
  await migrate(sql, await loadMigrations());
  return {
    // Each store is its own agent: the org/agent scope is the backend's extension.
    open: async () => {
      const t = await seedTenant(sql);
      return createPgVectorMemory({ sql, orgId: t.orgId, agentId: t.agentId, dimension: 384 });
    },
    close: () => sql.close(),
  };
});
