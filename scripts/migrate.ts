import { migrate } from "../src/db/migrate.js";
import { loadMigrations } from "../src/db/migrations-fs.js";
import { ConfigError, parseConfig } from "../src/env.js";
import { createLogger } from "../src/lib/logger.js";
import { createNodeRuntime } from "../src/node-services.js";
import { bootstrap } from "../src/orgs/bootstrap.js";

// Applies pending migrations to DATABASE_URL (or the embedded database under
// ENGRAM_DATA_DIR). With --bootstrap, also creates the first org and admin token.
try {
  const config = parseConfig(process.env);
  const runtime = await createNodeRuntime(config, createLogger(config.LOG_LEVEL));
  try {
    const report = await migrate(runtime.services.sql, await loadMigrations());
    process.stdout.write(`applied ${report.applied.length}, already applied ${report.skipped.length}\n`);
    for (const name of report.applied) process.stdout.write(`  + ${name}\n`);
    if (process.argv.includes("--bootstrap")) {
      const boot = await bootstrap(
        runtime.services.sql,
        runtime.services.pepper,
        config.ENGRAM_BOOTSTRAP_TOKEN,
      );
      if (!boot.created) process.stdout.write("already bootstrapped\n");
      else if (boot.mintedToken)
        process.stdout.write(`admin token (shown once, store it now): ${boot.mintedToken}\n`);
      else process.stdout.write("bootstrapped with ENGRAM_BOOTSTRAP_TOKEN\n");
    }
  } finally {
    await runtime.close();
  }
} catch (err) {
  process.stderr.write(`migrate: ${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(1);
}
