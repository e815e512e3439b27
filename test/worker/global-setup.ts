import type { TestProject } from "vitest/node";
import { mintToken } from "../../src/auth/token-format.js";
import { localEmbed } from "../../src/embedding/local-embedder.js";
import { bootstrap } from "../../src/orgs/bootstrap.js";
import { startPgliteServer } from "../support/pglite-server.js";
import { EMBEDDING_SAMPLES } from "./embedding-samples.js";

/**
 * Node side of the Worker tests: a migrated PGlite served on loopback, bootstrapped
 * with a known admin token that the Worker under test receives as a binding.
 */
export default async function setup(project: TestProject) {
  const server = await startPgliteServer();
  const pepper = "worker-test-pepper-worker-test-pepper-01";
  const token = mintToken("pat").plaintext;
  await bootstrap(server.sql, pepper, token);
  project.provide("workerDatabaseUrl", server.url);
  project.provide("workerPepper", pepper);
  project.provide("workerAdminToken", token);
  // Vectors computed in Node; the Worker test recomputes them in workerd and compares.
  project.provide("nodeEmbeddings", JSON.stringify(EMBEDDING_SAMPLES.map((t) => localEmbed(t))));
  return () => server.stop();
}
