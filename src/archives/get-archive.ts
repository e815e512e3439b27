import { recordAudit } from "../audit/record-audit.js";
import { auditActor, type Caller, requireAgentAccess, requireScopes } from "../auth/principal.js";
import type { BlobStore } from "../blobs/ports.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { type Clock, toIso } from "../lib/clock.js";
import { AppError, notFound } from "../lib/errors.js";
import { signGrant } from "../lib/signed-link.js";
import { findSession } from "../sessions/find-session.js";
import { storeCall } from "./archive-object.js";
import { ARCHIVE_LINK_PURPOSE, ARCHIVE_LINK_TTL_S } from "./model.js";

/** A session's archive as the API shows it: where to fetch it and what it holds. */
export interface ArchiveView {
  download_url: string;
  expires_at: string;
  bytes: number;
  sha256: string;
  message_count: number;
  content_encoding: string | null;
  format_version: number;
  archived_at: string;
}

export interface GetArchiveDeps {
  sql: SqlClient;
  blobs: BlobStore;
  clock: Clock;
  /** The server secret that signs Engram's own links. */
  pepper: string;
}

/**
 * A finished session's archive and a download link valid 15 minutes: the store's
 * pre-signed GET URL when it has one (S3), otherwise a link Engram signs itself and
 * serves at `/downloads/archives/{session_uuid}` (`baseUrl` is where clients reach
 * this service). Each link issued is audited (`session.archive_link`).
 * @throws PERMISSION_DENIED, NOT_FOUND (session, also another org's; or no archive of
 *   its current end yet), FAILED_PRECONDITION (the session is active), UNAVAILABLE (store)
 */
export async function getArchive(
  deps: GetArchiveDeps,
  caller: Caller,
  agentId: string,
  sessionId: string,
  baseUrl: string,
): Promise<ArchiveView> {
  const p = caller.principal;
  requireScopes(p, "session:read");
  requireAgentAccess(p, agentId);
  const archive = await withOrg(deps.sql, p.orgId, async (tx) => {
    const session = await findSession(tx, p.orgId, agentId, sessionId);
    if (session.status === "active") {
      throw new AppError("FAILED_PRECONDITION", "the session is active; it is archived when it ends");
    }
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT object_key, bytes, sha256, message_count, content_encoding, format_version, created_at
         FROM session_archives WHERE org_id = $1 AND session_id = $2 AND deleted_at IS NULL`,
      [p.orgId, session.id],
    );
    const row = rows[0];
    // An archive of an earlier end (the session was reopened since) is not this transcript.
    if (!row || Number(row.message_count) !== Number(session.turn_count)) throw notFound("archive");
    await recordAudit(tx, p.orgId, auditActor(caller), "session.archive_link", String(session.id), {
      agent_id: agentId,
    });
    return { sessionUuid: String(session.id), row };
  });
  const { row } = archive;
  const key = String(row.object_key);
  let link: { url: string; expiresAt: number };
  if (deps.blobs.presignGet) {
    const presign = deps.blobs.presignGet.bind(deps.blobs);
    link = await storeCall(() => presign(key, ARCHIVE_LINK_TTL_S));
  } else {
    const expires = Math.floor(deps.clock.now() / 1000) + ARCHIVE_LINK_TTL_S;
    const grant = { purpose: ARCHIVE_LINK_PURPOSE, orgId: p.orgId, resourceId: archive.sessionUuid, expires };
    const query = new URLSearchParams({
      org: p.orgId,
      expires: String(expires),
      signature: await signGrant(deps.pepper, grant),
    });
    link = {
      url: `${baseUrl}/downloads/archives/${archive.sessionUuid}?${query}`,
      expiresAt: expires * 1000,
    };
  }
  return {
    download_url: link.url,
    expires_at: new Date(link.expiresAt).toISOString(),
    bytes: Number(row.bytes),
    sha256: String(row.sha256),
    message_count: Number(row.message_count),
    content_encoding: row.content_encoding == null ? null : String(row.content_encoding),
    format_version: Number(row.format_version),
    archived_at: toIso(row.created_at) ?? "",
  };
}
