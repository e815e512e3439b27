import type { SqlExecutor } from "../db/ports.js";
import { uuidv7 } from "../lib/ids.js";
import type { JobMessage } from "./messages.js";
import type { JobRef } from "./ports.js";

/**
 * Inserts jobs in the caller's transaction (J1); a key already present returns its
 * job unchanged (J2). `maxAttempts` is one run plus the configured retries.
 */
export async function insertJobs(
  tx: SqlExecutor,
  orgId: string,
  messages: readonly JobMessage[],
  maxAttempts: number,
): Promise<JobRef[]> {
  const refs: JobRef[] = [];
  for (const m of messages) {
    const id = uuidv7();
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO jobs (id, org_id, type, version, payload, dedup_key, max_attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (org_id, dedup_key) DO NOTHING RETURNING id`,
      [id, orgId, m.type, m.v, JSON.stringify(m.payload), m.key, maxAttempts],
    );
    if (inserted.rows[0]) {
      refs.push({ id, orgId, type: m.type, version: m.v, payload: m.payload, key: m.key, created: true });
      continue;
    }
    const existing = await tx.query<{ id: string }>(
      "SELECT id FROM jobs WHERE org_id = $1 AND dedup_key = $2",
      [orgId, m.key],
    );
    const row = existing.rows[0];
    if (row) {
      refs.push({
        id: String(row.id),
        orgId,
        type: m.type,
        version: m.v,
        payload: m.payload,
        key: m.key,
        created: false,
      });
    }
  }
  return refs;
}

/** The body a publishing transport delivers: the envelope the webhook validates. */
export function deliveryBody(job: JobRef): string {
  return JSON.stringify({
    job_id: job.id,
    org_id: job.orgId,
    type: job.type,
    v: job.version,
    payload: job.payload,
  });
}
