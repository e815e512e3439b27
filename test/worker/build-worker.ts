import { execFileSync } from "node:child_process";

/** Builds the Worker bundle exactly as `wrangler deploy` would, into .wrangler/test-build. */
export default function build(): void {
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", ".wrangler/test-build"], {
    stdio: "pipe",
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_HIDE_BANNER: "true",
    },
  });
}
