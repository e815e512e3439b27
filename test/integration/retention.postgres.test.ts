import { describe, it } from "vitest";
import { realPostgresAvailable } from "../support/real-postgres.js";
import { runRetentionSuite } from "./retention.suite.js";

// CI installs pgvector into the machine's PostgreSQL (.ci/run); elsewhere the suite
// runs when that server is there.
if (process.env.CI || (await realPostgresAvailable())) runRetentionSuite("postgres");
else
  describe.skip("retention sweep on postgres (no PostgreSQL with pgvector on 127.0.0.1:5432)", () =>
    it("skipped", () => {}));
