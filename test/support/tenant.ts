import type { SqlClient } from "../../src/db/ports.js";
import { withOrg } from "../../src/db/tenant.js";
import { uuidv7 } from "../../src/lib/ids.js";

/** Inserts an org and an agent directly; `newSession()` adds sessions to that agent. */
export async function seedTenant(sql: SqlClient) {
  const orgId = uuidv7();
  const agentId = uuidv7();
  await withOrg(sql, orgId, async (tx) => {
    await tx.query("INSERT INTO orgs (id, name, slug) VALUES ($1, 'seed', $2)", [orgId, `seed-${orgId}`]);
    await tx.query("INSERT INTO agents (id, org_id, name, slug) VALUES ($1, $2, 'seed', 'seed')", [
      agentId,
      orgId,
    ]);
  });
  return {
    orgId,
    agentId,
    async newSession(): Promise<string> {
      const id = uuidv7();
      await withOrg(sql, orgId, (tx) =>
        tx.query("INSERT INTO sessions (id, org_id, agent_id, external_id) VALUES ($1, $2, $3, $4)", [
          id,
          orgId,
          agentId,
          id,
        ]),
      );
      return id;
    },
  };
}
