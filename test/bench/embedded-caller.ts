import { createApp } from "../../src/app.js";
import type { NodeRuntime } from "../../src/node-services.js";
import { bootstrap } from "../../src/orgs/bootstrap.js";

/**
 * The embedded runtime as `npm start` runs it — its job worker started — and a caller
 * of its REST API with the bootstrap token, for benchmarks that time the whole path.
 */
export async function embeddedCaller(runtime: NodeRuntime) {
  const { services } = runtime;
  const boot = await bootstrap(services.sql, services.pepper);
  runtime.jobWorker.start();
  const app = createApp(() => services);
  return async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${boot.mintedToken}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await res.json()) as Record<string, unknown>;
  };
}
