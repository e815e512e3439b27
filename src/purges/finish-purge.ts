import type { SqlClient, SqlExecutor } from "../db/ports.js";
import { withOrg } from "../db/tenant.js";
import { toIso } from "../lib/clock.js";
import { AppError } from "../lib/errors.js";
import { signCertificate } from "./certificate.js";
import { PURGE_COLUMNS, type PurgeCertificate, toPurgeView } from "./model.js";
import type { PurgeTarget } from "./purge-rows.js";
import { remainingRows } from "./remaining-rows.js";

/** What the job reports: totals only. */
export interface PurgeSummary {
  rows: number;
  objects: number;
  keys: number;
}

const total = (rows: Record<string, number>) => Object.values(rows).reduce((a, b) => a + b, 0);

/**
 * Closes a purge whose stores all answered empty: in one transaction it checks the
 * rows once more, deletes the org row for an org purge (its cascade takes this run's
 * own job), then signs the certificate and stores it with status `succeeded`, and
 * empties the purge's object ledger (`purge_objects`). A run that finds the purge
 * already closed returns its certificate unchanged; one whose `fence` fails (its job
 * was taken over by another run) changes nothing and returns null.
 * @throws UNAVAILABLE (retryable) when rows appeared since the last pass
 */
export async function finishPurge(
  deps: { sql: SqlClient; pepper: string },
  t: PurgeTarget,
  purgeId: string,
  fence: (tx: SqlExecutor) => Promise<boolean>,
): Promise<{ certificate: PurgeCertificate; summary: PurgeSummary } | null> {
  return withOrg(deps.sql, t.orgId, async (tx) => {
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT ${PURGE_COLUMNS} FROM purges WHERE org_id = $1 AND id = $2 FOR UPDATE`,
      [t.orgId, purgeId],
    );
    const purge = rows[0] ? toPurgeView(rows[0]) : null;
    if (!purge) throw new AppError("INTERNAL", "purge record missing");
    const summarise = (c: PurgeCertificate) => ({
      certificate: c,
      summary: { rows: total(c.counts.rows), objects: c.counts.objects, keys: c.counts.keys },
    });
    if (purge.certificate) return summarise(purge.certificate);
    if (!(await fence(tx))) return null;
    const left = await remainingRows(tx, t);
    if (Object.keys(left).length > 0) {
      throw new AppError("UNAVAILABLE", "rows appeared during the purge; retrying", { retryable: true });
    }
    const counted = { ...purge.progress.rows };
    if (t.agentId === null) {
      const org = await tx.query("DELETE FROM orgs WHERE id = $1", [t.orgId]);
      if (org.rowCount > 0) counted.orgs = org.rowCount;
    }
    const now = await tx.query<{ now: unknown }>("SELECT now() AS now");
    const certificate: PurgeCertificate = {
      purge_id: purge.id,
      scope: purge.scope,
      org_id: purge.org_id,
      ...(purge.agent_id ? { agent_id: purge.agent_id } : {}),
      requester: purge.requester,
      requested_at: purge.requested_at,
      started_at: purge.started_at ?? purge.requested_at,
      finished_at: toIso(now.rows[0]?.now) ?? "",
      counts: { rows: counted, objects: purge.progress.objects, keys: purge.progress.keys },
    };
    const signature = await signCertificate(deps.pepper, certificate);
    await tx.query(
      `UPDATE purges SET status = 'succeeded', last_error = NULL, counts = $3, certificate = $4, signature = $5,
              finished_at = $6, updated_at = now(), progress = progress || '{"phase":"done"}'::jsonb
        WHERE org_id = $1 AND id = $2`,
      [
        t.orgId,
        purge.id,
        JSON.stringify(certificate.counts),
        JSON.stringify(certificate),
        signature,
        certificate.finished_at,
      ],
    );
    await tx.query("DELETE FROM purge_objects WHERE purge_id = $1", [purge.id]);
    return summarise(certificate);
  });
}
