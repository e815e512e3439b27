import { serve } from "@hono/node-server";
import { ConfigError } from "../env.js";
import { createLogger } from "../lib/logger.js";
import { parseEmbedderConfig } from "./config.js";
import { ModelDirError } from "./onnx-backend.js";
import { createEmbedderRuntime } from "./runtime.js";

/** Entry of the embedding service (`npm run embedder`; the container's command). */
async function main(): Promise<void> {
  const config = parseEmbedderConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL);
  const runtime = await createEmbedderRuntime(config, logger);
  const server = serve(
    { fetch: runtime.app.fetch, port: config.EMBEDDER_PORT, hostname: config.EMBEDDER_HOST },
    (info) =>
      logger.info("embedder listening", {
        url: `http://${config.EMBEDDER_HOST}:${info.port}`,
        model: runtime.embedder.model,
      }),
  );
  await runtime.warmUp();
  logger.info("embedder ready", { model: runtime.embedder.model, dim: runtime.embedder.dimension });
  const stop = () => server.close(() => void runtime.close().finally(() => process.exit(0)));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err: unknown) => {
  const known = err instanceof ConfigError || err instanceof ModelDirError;
  process.stderr.write(
    `embedder: ${known ? (err as Error).message : String((err as Error)?.stack ?? err)}\n`,
  );
  process.exit(known ? 78 : 1);
});
