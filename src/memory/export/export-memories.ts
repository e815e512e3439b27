import { recordAudit } from "../../audit/record-audit.js";
import { auditActor, type Caller, requireAgentAccess, requireScopes } from "../../auth/principal.js";
import type { BlobStore } from "../../blobs/ports.js";
import type { SqlClient } from "../../db/ports.js";
import { withOrg } from "../../db/tenant.js";
import type { Clock } from "../../lib/clock.js";
import { toIso } from "../../lib/clock.js";
import { jsonColumn } from "../../lib/columns.js";
import { sha256Hex } from "../../lib/crypto.js";
import { AppError, isAppError, notFound } from "../../lib/errors.js";
import { uuidv7 } from "../../lib/ids.js";
import type { Logger } from "../../lib/logger.js";
import { signGrant, verifyGrant } from "../../lib/signed-link.js";
import { requireAgent } from "../agent-scope.js";
import { countMemories, type MemoryFilter, selectMemories } from "../query-memories.js";
import { csvHeader, EXPORT_CONTENT_TYPES, type ExportFormat, toCsvRow, toJsonLine } from "./export-format.js";

/** Exports up to this many memories finish inside the request; larger ones run in the background. */
export const EXPORT_INLINE_MAX = 1_000;
/** How long a download link works (15 minutes, as for archive replay links). */
export const EXPORT_LINK_TTL_S = 15 * 60;
/** How long an export job and its file are kept. */
export const EXPORT_RETENTION_MS = 24 * 60 * 60 * 1000;
/** A background export not finished after this long was interrupted (a process died). */
const EXPORT_STALL_MS = 15 * 60 * 1000;
const PAGE = 1_000;
const SCOPE = "memory.export";
const LINK_PURPOSE = "memory-export";

type ExportFilter = Omit<MemoryFilter, "statuses">;

/** What the API shows of an export job. */
export interface ExportView {
  id: string;
  agent_id: string;
  format: ExportFormat;
  status: "running" | "succeeded" | "failed";
  filter: ExportFilter;
  count: number | null;
  bytes: number | null;
  sha256: string | null;
  error: string | null;
  created_at: string;
  completed_at: string | null;
  expires_at: string;
  download_url: string | null;
  download_expires_at: string | null;
}

interface ExportResult {
  agent_id: string;
  format: ExportFormat;
  filter: ExportFilter;
  object_key?: string;
  count?: number;
  bytes?: number;
  sha256?: string;
  error?: string;
}

interface ExportDeps {
  sql: SqlClient;
  blobs: BlobStore;
  clock: Clock;
  logger: Logger;
  pepper: string;
  defer(task: Promise<unknown>): void;
}

const objectKey = (orgId: string, agentId: string, id: string, format: ExportFormat) =>
  `${orgId}/exports/${agentId}/${id}.${format}`;

/** Reads an export job row (org-scoped); null when missing or another agent's. */
async function loadJob(sql: SqlClient, orgId: string, agentId: string, id: string) {
  return withOrg(sql, orgId, async (tx) => {
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT key, status, result, created_at, updated_at, expires_at FROM idempotency_keys
        WHERE org_id = $1 AND scope = $2 AND key = $3`,
      [orgId, SCOPE, id],
    );
    const row = rows[0];
    if (!row) return null;
    const result = jsonColumn<ExportResult>(row.result);
    return result.agent_id === agentId ? { row, result } : null;
  });
}

/** Writes the file for an export job and records the outcome on its row. */
async function runExport(deps: ExportDeps, orgId: string, id: string, result: ExportResult): Promise<void> {
  try {
    const parts: string[] = result.format === "csv" ? [csvHeader()] : [];
    let count = 0;
    let after: string | null = null;
    // Keyset pages, each in its own short transaction: a large export never holds one open.
    for (;;) {
      const page = await withOrg(deps.sql, orgId, (tx) =>
        selectMemories(tx, orgId, result.agent_id, result.filter, { after, limit: PAGE }),
      );
      if (page.length === 0) break;
      const line = result.format === "csv" ? toCsvRow : toJsonLine;
      parts.push(page.map(line).join(""));
      count += page.length;
      after = page[page.length - 1]?.id ?? null;
      if (page.length < PAGE) break;
    }
    const body = new TextEncoder().encode(parts.join(""));
    const digest = await sha256Hex(body);
    const key = objectKey(orgId, result.agent_id, id, result.format);
    await deps.blobs.put(key, body, { contentType: EXPORT_CONTENT_TYPES[result.format] });
    await finish(deps.sql, orgId, id, "succeeded", {
      ...result,
      object_key: key,
      count,
      bytes: body.length,
      sha256: digest,
    });
  } catch (err) {
    deps.logger.error("memory export failed", {
      job_id: id,
      error: err instanceof Error ? err.name : "unknown",
    });
    // A missing store says so; anything else stays generic (no internals in the job).
    const error =
      isAppError(err) && err.code === "UNAVAILABLE" ? err.message : "the export could not be written";
    await finish(deps.sql, orgId, id, "failed", { ...result, error });
  }
}

async function finish(
  sql: SqlClient,
  orgId: string,
  id: string,
  status: "succeeded" | "failed",
  result: ExportResult,
): Promise<void> {
  await withOrg(sql, orgId, (tx) =>
    tx.query(
      "UPDATE idempotency_keys SET status = $4, result = $5, updated_at = now() WHERE org_id = $1 AND scope = $2 AND key = $3",
      [orgId, SCOPE, id, status, JSON.stringify(result)],
    ),
  );
}

/**
 * Starts an export of an agent's memories (embeddings excluded). Small sets are
 * written before the answer (`succeeded`); larger ones run after it (`running`),
 * and the caller polls `getExport`.
 * @throws PERMISSION_DENIED, NOT_FOUND (agent)
 */
export async function startExport(
  deps: ExportDeps,
  caller: Caller,
  agentId: string,
  format: ExportFormat,
  filter: ExportFilter,
  baseUrl: string,
): Promise<ExportView> {
  const p = caller.principal;
  requireScopes(p, "memory:export");
  requireAgentAccess(p, agentId);
  const id = uuidv7(deps.clock.now());
  const result: ExportResult = { agent_id: agentId, format, filter };
  const size = await withOrg(deps.sql, p.orgId, async (tx) => {
    await requireAgent(tx, p.orgId, agentId);
    const n = await countMemories(tx, p.orgId, agentId, filter, EXPORT_INLINE_MAX + 1);
    await tx.query(
      `INSERT INTO idempotency_keys (org_id, scope, key, request_hash, status, result, expires_at)
       VALUES ($1, $2, $3, $4, 'running', $5, $6)`,
      [
        p.orgId,
        SCOPE,
        id,
        JSON.stringify({ agent_id: agentId, format, filter }),
        JSON.stringify(result),
        new Date(deps.clock.now() + EXPORT_RETENTION_MS).toISOString(),
      ],
    );
    await recordAudit(tx, p.orgId, auditActor(caller), "memory.export", agentId, {
      job_id: id,
      format,
      filter,
    });
    return n;
  });
  const run = runExport(deps, p.orgId, id, result);
  if (size > EXPORT_INLINE_MAX) deps.defer(run);
  else await run;
  return getExport(deps, caller, agentId, id, baseUrl);
}

/**
 * An export job's state; once it has succeeded, with a download link valid for
 * EXPORT_LINK_TTL_S that needs no token.
 * @throws PERMISSION_DENIED, NOT_FOUND (also once the export has expired)
 */
export async function getExport(
  deps: Pick<ExportDeps, "sql" | "clock" | "pepper">,
  caller: Caller,
  agentId: string,
  id: string,
  baseUrl: string,
): Promise<ExportView> {
  const p = caller.principal;
  requireScopes(p, "memory:export");
  requireAgentAccess(p, agentId);
  const job = await loadJob(deps.sql, p.orgId, agentId, id);
  const now = deps.clock.now();
  if (!job || Date.parse(toIso(job.row.expires_at) ?? "") <= now) throw notFound("export");
  const { row, result } = job;
  let status = String(row.status) as ExportView["status"];
  let error = result.error ?? null;
  if (status === "running" && Date.parse(toIso(row.updated_at) ?? "") + EXPORT_STALL_MS <= now) {
    status = "failed";
    error = "the export was interrupted; start a new one";
  }
  let download: { url: string; expires: string } | null = null;
  if (status === "succeeded") {
    const expires = Math.floor(now / 1000) + EXPORT_LINK_TTL_S;
    const grant = { purpose: LINK_PURPOSE, orgId: p.orgId, resourceId: id, expires };
    const signature = await signGrant(deps.pepper, grant);
    const query = new URLSearchParams({ org: p.orgId, expires: String(expires), signature });
    download = {
      url: `${baseUrl}/downloads/exports/${id}?${query}`,
      expires: new Date(expires * 1000).toISOString(),
    };
  }
  return {
    id,
    agent_id: agentId,
    format: result.format,
    status,
    filter: result.filter,
    count: result.count ?? null,
    bytes: result.bytes ?? null,
    sha256: result.sha256 ?? null,
    error,
    created_at: toIso(row.created_at) ?? "",
    completed_at: status === "running" ? null : (toIso(row.updated_at) ?? null),
    expires_at: toIso(row.expires_at) ?? "",
    download_url: download?.url ?? null,
    download_expires_at: download?.expires ?? null,
  };
}

/**
 * The file behind a signed download link. The link is the credential: a bad,
 * altered or expired signature is refused the same way.
 * @throws PERMISSION_DENIED (link), NOT_FOUND (export gone)
 */
export async function readExportDownload(
  deps: Pick<ExportDeps, "sql" | "blobs" | "clock" | "pepper">,
  link: { id: string; orgId: string; expires: number; signature: string },
): Promise<{ body: Uint8Array; contentType: string; filename: string }> {
  const grant = { purpose: LINK_PURPOSE, orgId: link.orgId, resourceId: link.id, expires: link.expires };
  if (!(await verifyGrant(deps.pepper, grant, link.signature, deps.clock.now()))) {
    throw new AppError("PERMISSION_DENIED", "the download link is invalid or has expired");
  }
  const { rows } = await withOrg(deps.sql, link.orgId, (tx) =>
    tx.query<Record<string, unknown>>(
      "SELECT result FROM idempotency_keys WHERE org_id = $1 AND scope = $2 AND key = $3 AND status = 'succeeded' AND expires_at > now()",
      [link.orgId, SCOPE, link.id],
    ),
  );
  const result = rows[0] ? jsonColumn<ExportResult>(rows[0].result) : null;
  const blob = result?.object_key ? await deps.blobs.get(result.object_key) : null;
  if (!result || !blob) throw notFound("export");
  return {
    body: blob.body,
    contentType: blob.contentType,
    filename: `memories-${result.agent_id}-${link.id}.${result.format}`,
  };
}
