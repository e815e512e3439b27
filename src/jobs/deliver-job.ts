import { z } from "zod";
import { AppError } from "../lib/errors.js";
import { claimJob } from "./claim.js";
import { parseJobMessage } from "./messages.js";
import type { JobDeliveryVerifier } from "./ports.js";
import { type RunJobDeps, type RunOutcome, runJob } from "./run-job.js";
import { failJob } from "./settle.js";

const Envelope = z.object({
  job_id: z.string().uuid(),
  org_id: z.string().uuid(),
  type: z.string().min(1).max(64),
  v: z.number().int().min(1).max(1000),
  payload: z.unknown(),
});

/** How a delivery was answered; `retry` asks the transport to deliver it again. */
export type DeliveryOutcome = RunOutcome | "duplicate" | "discarded";

/**
 * Handles one delivery of the publishing transport (QStash). The signature is
 * checked before anything is parsed (401 otherwise, nothing runs). A body that is
 * not a job envelope is discarded (acknowledged: retrying it cannot help); a valid
 * envelope whose message fails its schema sends the job to the dead letters; a job
 * already done, dead or running elsewhere is a duplicate and runs nothing.
 * @throws UNAUTHENTICATED for a missing, forged, expired or body-mismatched signature.
 */
export async function deliverJob(
  deps: RunJobDeps & { verifier: JobDeliveryVerifier; leaseSeconds: number },
  input: { signature: string | undefined; body: string; url: string },
): Promise<DeliveryOutcome> {
  if (!input.signature || !(await deps.verifier.verify(input))) {
    throw new AppError("UNAUTHENTICATED", "job delivery signature is missing or invalid");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(input.body);
  } catch {
    parsed = undefined;
  }
  const envelope = Envelope.safeParse(parsed);
  if (!envelope.success) {
    deps.logger.warn("job delivery discarded", { reason: "malformed_envelope" });
    return "discarded";
  }
  const e = envelope.data;
  const job = await claimJob(deps.sql, e.org_id, e.job_id, deps.leaseSeconds);
  if (!job) return "duplicate";
  const message = parseJobMessage(e.type, e.v, e.payload);
  if (!message.ok || e.type !== job.type || e.v !== job.version) {
    const reason = message.ok ? "envelope_mismatch" : message.reason;
    deps.logger.warn("job message invalid", { job_id: job.id, type: job.type, reason });
    return (await failJob(deps.sql, job, `invalid_message:${reason}`, false, deps.retryDelaysMs)) ?? "lost";
  }
  return runJob(deps, job);
}
