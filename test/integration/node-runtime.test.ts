import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { migrate } from "../../src/db/migrate.js";
import { loadMigrations } from "../../src/db/migrations-fs.js";
import { withOrg } from "../../src/db/tenant.js";
import { parseConfig } from "../../src/env.js";
import { createLogger } from "../../src/lib/logger.js";
import { createNodeRuntime } from "../../src/node-services.js";
import { bootstrap } from "../../src/orgs/bootstrap.js";

// The Node composition root with the embedded database, on its own thread (the
// default) and on the main thread: migrations, the first org, tenant-scoped reads,
// and data that outlives a restart.
describe.each(["worker", "main"] as const)("Node runtime, embedded database on the %s thread", (thread) => {
  it("migrates, bootstraps, serves scoped reads and keeps its data across a restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), `engram-runtime-${thread}-`));
    const config = parseConfig({
      ENGRAM_DATA_DIR: dir,
      PGLITE_THREAD: thread,
      PGLITE_SHARED_BUFFERS_MB: "32",
    });
    try {
      const first = await createNodeRuntime(config, createLogger("error"));
      expect(first.embedded).toBe(true);
      await migrate(first.services.sql, await loadMigrations());
      const boot = await bootstrap(first.services.sql, first.services.pepper);
      expect(boot.created).toBe(true);
      const orgs = await withOrg(first.services.sql, boot.orgId, (tx) =>
        tx.query<{ id: string }>("SELECT id FROM orgs"),
      );
      expect(orgs.rows.map((r) => r.id)).toEqual([boot.orgId]);
      await first.close();
      expect(existsSync(join(dir, "engram.lock"))).toBe(false);

      const second = await createNodeRuntime(config, createLogger("error"));
      const again = await bootstrap(second.services.sql, second.services.pepper);
      expect(again).toMatchObject({ created: false, orgId: boot.orgId });
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
