import type { BlobStore } from "../blobs/ports.js";
import type { SqlClient } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import type { Clock } from "../lib/clock.js";
import { AppError, notFound } from "../lib/errors.js";
import { verifyGrant } from "../lib/signed-link.js";
import { storeCall } from "./archive-object.js";
import { ARCHIVE_CONTENT_TYPE, ARCHIVE_LINK_PURPOSE } from "./model.js";

/** The stored bytes of an archive, as they are to be sent. */
export interface ArchiveDownload {
  /** As stored: gzipped when `contentEncoding` says so (sent as Content-Encoding). */
  body: Uint8Array;
  contentType: string;
  contentEncoding: string | null;
  filename: string;
}

/**
 * The archive behind a link Engram signed (getArchive). The link is the credential:
 * a bad, altered or expired signature is refused alike, before anything is read.
 * @throws PERMISSION_DENIED (link), NOT_FOUND (session or archive gone), UNAVAILABLE (store)
 */
export async function readArchiveDownload(
  deps: { sql: SqlClient; blobs: BlobStore; clock: Clock; pepper: string },
  link: { sessionUuid: string; orgId: string; expires: number; signature: string },
): Promise<ArchiveDownload> {
  const grant = {
    purpose: ARCHIVE_LINK_PURPOSE,
    orgId: link.orgId,
    resourceId: link.sessionUuid,
    expires: link.expires,
  };
  if (!(await verifyGrant(deps.pepper, grant, link.signature, deps.clock.now()))) {
    throw new AppError("PERMISSION_DENIED", "the download link is invalid or has expired");
  }
  const { rows } = await withOrg(deps.sql, link.orgId, (tx) =>
    tx.query<{ object_key: string; content_encoding: string | null }>(
      `SELECT object_key, content_encoding FROM session_archives
        WHERE org_id = $1 AND session_id = $2 AND deleted_at IS NULL`,
      [link.orgId, link.sessionUuid],
    ),
  );
  const row = rows[0];
  const blob = row ? await storeCall(() => deps.blobs.get(row.object_key)) : null;
  if (!row || !blob) throw notFound("archive");
  return {
    body: blob.body,
    contentType: ARCHIVE_CONTENT_TYPE,
    contentEncoding: blob.contentEncoding ?? row.content_encoding,
    filename: row.object_key.split("/").at(-1) ?? "session.ndjson.gz",
  };
}
