import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

declare module "vitest" {
  /** Values test/worker/global-setup.ts provides to the Worker project. */
  export interface ProvidedContext {
    workerDatabaseUrl: string;
    workerPepper: string;
    workerAdminToken: string;
    /** JSON of the local embedder's vectors for EMBEDDING_SAMPLES, computed in Node. */
    nodeEmbeddings: string;
  }
}

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts", "test/contract/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            // The bundle wrangler deploys (built by test/worker/build-worker.ts), so the
            // tests exercise the production artifact; pg's CommonJS graph also only
            // loads in workerd once bundled.
            main: "./.wrangler/test-build/worker.js",
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                DATABASE_URL: inject("workerDatabaseUrl"),
                DATABASE_DRIVER: "pg",
                TOKEN_PEPPER: inject("workerPepper"),
                ENGRAM_TEST_ADMIN_TOKEN: inject("workerAdminToken"),
                LOG_LEVEL: "warn",
                // Every request here opens a fresh TCP connection to a single-session PGlite
                // socket server, which alone takes longer than the production 45 ms.
                CONTEXT_DEADLINE_MS: "1500",
              },
            },
          })),
        ],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          globalSetup: ["test/worker/build-worker.ts", "test/worker/global-setup.ts"],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
