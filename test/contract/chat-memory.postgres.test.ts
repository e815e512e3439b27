import { createPgSqlClient } from "../../src/adapters/pg/sql-client.js";
import { openPglite } from "../../src/adapters/pglite/open.js";
import { createPgliteSqlClient } from "../../src/adapters/pglite/sql-client.js";
import { createPostgresChatMemory } from "../../src/adapters/postgres/chat-memory.js";
import { migrate } from "../../src/db/migrate.js";
import { loadMigrations } from "../../src/db/migrations-fs.js";
import type { SqlClient } from "../../src/db/ports.js";
import { startPgliteServer } from "../support/pglite-server.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { seedTenant } from "../support/tenant.js";
import { runChatMemoryContract } from "./chat-memory.contract.js";

/** A SqlClient whose next transaction fails after its DELETE ran (an injected crash). */
function failingAfterDelete(sql: SqlClient): SqlClient & { arm(): void } {
  let armed = false;
  return {
    ...sql,
    arm: () => {
      armed = true;
    },
    transaction: (fn) =>
      sql.transaction((tx) =>
        fn({
          ...tx,
          async query<T>(text: string, params?: readonly unknown[]) {
            const res = await tx.query<T>(text, params);
            if (armed && text.startsWith("DELETE FROM session_messages")) {
              armed = false;
              throw new Error("injected failure mid-save");
            }
            return res;
          },
        }),
      ),
  };
}

runChatMemoryContract("postgres (PGlite in-process)", async () => {
  const sql = createPgliteSqlClient(await openPglite(), { ownsDb: true });
  await migrate(sql, await loadMigrations());
  const tenant = await seedTenant(sql);
  const faultySql = failingAfterDelete(sql);
  return {
    open: async () =>
      createPostgresChatMemory({ sql, orgId: tenant.orgId, sessionId: await tenant.newSession() }),
    async faulty() {
      const sessionId = await tenant.newSession();
      return {
        writer: createPostgresChatMemory({ sql: faultySql, orgId: tenant.orgId, sessionId }),
        reader: createPostgresChatMemory({ sql, orgId: tenant.orgId, sessionId }),
        arm: () => faultySql.arm(),
      };
    },
    close: () => sql.close(),
  };
});

runChatMemoryContract("postgres (pg over TCP, connection cut before COMMIT)", async () => {
  const server = await startPgliteServer();
  const proxy = await startTcpProxy(server.port);
  const sql = createPgSqlClient({ connectionString: server.url, max: 2 });
  const viaProxy = createPgSqlClient({
    connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`,
    max: 1,
  });
  const tenant = await seedTenant(sql);
  return {
    open: async () =>
      createPostgresChatMemory({ sql, orgId: tenant.orgId, sessionId: await tenant.newSession() }),
    async faulty() {
      const sessionId = await tenant.newSession();
      return {
        writer: createPostgresChatMemory({ sql: viaProxy, orgId: tenant.orgId, sessionId }),
        reader: createPostgresChatMemory({ sql, orgId: tenant.orgId, sessionId }),
        arm: () => proxy.cutOn("COMMIT"),
      };
    },
    async close() {
      await sql.close();
      await viaProxy.close().catch(() => undefined);
      await proxy.stop();
      await server.stop();
    },
  };
});
