import WebSocket from "ws";
import { createNeonSqlClient } from "../../src/adapters/neon/sql-client.js";
import { startPgliteServer } from "../support/pglite-server.js";
import { startWsRelay } from "../support/ws-relay.js";
import { runSqlClientContract } from "./sql-client.contract.js";

runSqlClientContract("neon", async () => {
  const server = await startPgliteServer();
  const relay = await startWsRelay();
  const client = createNeonSqlClient({
    connectionString: server.url,
    wsProxy: relay.url,
    insecureWebSocket: true,
    webSocketConstructor: WebSocket,
    max: 2,
  });
  return {
    client,
    async close() {
      await client.close();
      await relay.stop();
      await server.stop();
    },
  };
});
