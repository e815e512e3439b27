import { Hono } from "hono";
import { LATEST_MIGRATION } from "../db/schema-version.js";
import type { AppEnv } from "../services.js";

/** `/health` (liveness, always 200) and `/ready` (database reachable and migrated). */
export function healthRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/health", (c) => c.json({ status: "ok" }));
  app.get("/ready", async (c) => {
    const s = c.get("services");
    try {
      const { rows } = await s.sql.query<{ latest: string | null }>(
        "SELECT max(name) AS latest FROM schema_migrations",
      );
      const latest = rows[0]?.latest ?? null;
      if (latest === null || latest < LATEST_MIGRATION) {
        return c.json({ status: "not_ready", checks: { database: "ok", migrations: "pending" } }, 503);
      }
      return c.json({ status: "ready", checks: { database: "ok", migrations: "ok" } });
    } catch (err) {
      s.logger.warn("readiness check failed", { error: err instanceof Error ? err.name : "unknown" });
      return c.json({ status: "not_ready", checks: { database: "unreachable" } }, 503);
    }
  });
  return app;
}
