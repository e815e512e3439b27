import { describe, it } from "vitest";
import { realPostgresAvailable } from "../support/real-postgres.js";
import { runArchivesSuite } from "./archives.suite.js";

// CI installs pgvector into the machine's PostgreSQL (.ci/run); elsewhere the suite
// runs when that server is there.
if (process.env.CI || (await realPostgresAvailable())) runArchivesSuite("postgres", "memory");
else
  describe.skip("archives on postgres (no PostgreSQL with pgvector on 127.0.0.1:5432)", () =>
    it("skipped", () => {}));
