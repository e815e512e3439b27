import { Hono } from "hono";
import { ERROR_TABLE, type ErrorCode } from "../lib/errors.js";
import type { AppEnv } from "../services.js";

const ERROR_HELP: Record<ErrorCode, string> = {
  INVALID_ARGUMENT:
    "The request is malformed: bad JSON, a wrong type, an unknown field or a value out of range. `errors` lists the fields. Fix the request; retrying it unchanged fails again.",
  UNAUTHENTICATED: "No bearer token, or one that is malformed, unknown, revoked or expired.",
  PERMISSION_DENIED:
    "The token is valid but lacks a scope the operation needs, or its organisation is suspended.",
  NOT_FOUND: "No such resource in your organisation. Ids of other organisations answer this too.",
  CONFLICT: "The change collides with existing state, e.g. a slug or e-mail already in use.",
  FAILED_PRECONDITION:
    "The resource is not in a state that allows the operation (e.g. deleting an agent with sessions).",
  RESOURCE_EXHAUSTED: "A rate limit (429, see Retry-After) or a size limit (413) was exceeded.",
  UNAVAILABLE: "A dependency is temporarily unavailable. Retry with backoff.",
  INTERNAL: "An unexpected failure. It is logged with the request id; quote `requestId` when reporting it.",
};

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/`/g, "");

/** `/docs` (API reference UI over /openapi.json) and `/errors` (the targets of problem `type`). */
export function docsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/docs", (c) =>
    c.html(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Engram API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<noscript>The interactive reference needs JavaScript; the raw document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<script id="api-reference" data-url="/openapi.json"></script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference@1"></script>
</body></html>`),
  );
  app.get("/errors", (c) => {
    const rows = (Object.keys(ERROR_TABLE) as ErrorCode[])
      .map((code) => {
        const e = ERROR_TABLE[code];
        return `<section id="${code.toLowerCase()}"><h2>${code}</h2><p>HTTP ${e.status} · Connect <code>${e.connect}</code></p><p>${escapeHtml(ERROR_HELP[code])}</p></section>`;
      })
      .join("\n");
    return c.html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Engram error codes</title></head><body><h1>Error codes</h1>${rows}</body></html>`,
    );
  });
  return app;
}
