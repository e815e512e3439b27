import type { SqlExecutor } from "../db/ports.js";
import type { JobQueue, JobRef } from "../jobs/ports.js";
import { AppError } from "../lib/errors.js";
import { uuidv7 } from "../lib/ids.js";
import {
  emptyProgress,
  PURGE_COLUMNS,
  type PurgeRef,
  type PurgeView,
  purgeJob,
  toPurgeView,
} from "./model.js";

type Stored = PurgeView & { jobId: string | null };

/** The org's purge of this scope (the org itself when `agentId` is null), locked; null when none. */
async function existingPurge(tx: SqlExecutor, orgId: string, agentId: string | null): Promise<Stored | null> {
  const { rows } = await tx.query<Record<string, unknown>>(
    agentId === null
      ? `SELECT ${PURGE_COLUMNS} FROM purges WHERE org_id = $1 AND scope = 'org' FOR UPDATE`
      : `SELECT ${PURGE_COLUMNS} FROM purges WHERE org_id = $1 AND scope = 'agent' AND agent_id = $2 FOR UPDATE`,
    agentId === null ? [orgId] : [orgId, agentId],
  );
  const row = rows[0];
  return row ? { ...toPurgeView(row), jobId: row.job_id == null ? null : String(row.job_id) } : null;
}

/**
 * A purge asked for again: answered as it stands, unless its last run failed and its
 * job died (or is gone) — then it is queued once more and resumes where it stopped.
 */
async function resume(tx: SqlExecutor, jobs: JobQueue, orgId: string, p: Stored) {
  if (p.status !== "failed") return { ref: { id: p.id, status: p.status }, refs: [] };
  if (p.jobId) {
    const { rows } = await tx.query<{ status: string }>(
      "SELECT status FROM jobs WHERE org_id = $1 AND id = $2",
      [orgId, p.jobId],
    );
    const status = rows[0]?.status;
    if (status === "queued" || status === "failed" || status === "running") {
      return { ref: { id: p.id, status: p.status }, refs: [] };
    }
  }
  const refs = await jobs.enqueue(tx, orgId, [purgeJob(p.id, p.attempts)]);
  await tx.query(
    "UPDATE purges SET status = 'queued', job_id = $3, updated_at = now() WHERE org_id = $1 AND id = $2",
    [orgId, p.id, refs[0]?.id ?? null],
  );
  return { ref: { id: p.id, status: "queued" as const }, refs };
}

/** The existing purge of this scope (resumed when it stalled), or null when there is none. */
export async function findOrResumePurge(
  tx: SqlExecutor,
  jobs: JobQueue,
  orgId: string,
  agentId: string | null,
): Promise<{ ref: PurgeRef; refs: JobRef[] } | null> {
  const existing = await existingPurge(tx, orgId, agentId);
  return existing ? resume(tx, jobs, orgId, existing) : null;
}

/**
 * Records a new purge and queues its job in the caller's transaction (J1). A
 * concurrent request that won the unique index is answered instead.
 */
export async function createPurge(
  tx: SqlExecutor,
  jobs: JobQueue,
  input: { orgId: string; agentId: string | null; requester: string },
): Promise<{ ref: PurgeRef; refs: JobRef[]; created: boolean }> {
  const id = uuidv7();
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO purges (id, org_id, agent_id, scope, requester, progress)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id`,
    [
      id,
      input.orgId,
      input.agentId,
      input.agentId === null ? "org" : "agent",
      input.requester,
      JSON.stringify(emptyProgress()),
    ],
  );
  if (!rows[0]) {
    const again = await findOrResumePurge(tx, jobs, input.orgId, input.agentId);
    if (!again) throw new AppError("CONFLICT", "a purge of this scope was recorded concurrently");
    return { ...again, created: false };
  }
  const refs = await jobs.enqueue(tx, input.orgId, [purgeJob(id)]);
  await tx.query("UPDATE purges SET job_id = $3 WHERE org_id = $1 AND id = $2", [
    input.orgId,
    id,
    refs[0]?.id ?? null,
  ]);
  return { ref: { id, status: "queued" }, refs, created: true };
}
