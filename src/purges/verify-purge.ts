import type { Caller } from "../auth/principal.js";
import type { SqlClient } from "../db/ports.js";
import { AppError } from "../lib/errors.js";
import { verifyCertificate } from "./certificate.js";
import { getPurge } from "./get-purge.js";

/** A certificate and signature a holder posts back to have its copy checked. */
export interface CertificateCopy {
  certificate: Record<string, unknown>;
  signature: string;
}

/**
 * Checks a purge's certificate: the stored one, or a copy posted back, which is
 * valid only when this server signed exactly that text for this purge.
 * @throws PERMISSION_DENIED, NOT_FOUND (as getPurge), FAILED_PRECONDITION (no
 *   certificate yet and no copy posted)
 */
export async function verifyPurge(
  deps: { sql: SqlClient; pepper: string },
  caller: Caller,
  id: string,
  copy: CertificateCopy | null,
): Promise<{ valid: boolean }> {
  const purge = await getPurge(deps, caller, id);
  if (copy) {
    if (copy.certificate.purge_id !== purge.id) return { valid: false };
    return { valid: await verifyCertificate(deps.pepper, copy.certificate, copy.signature) };
  }
  if (!purge.certificate || !purge.signature) {
    throw new AppError("FAILED_PRECONDITION", "the purge has no certificate yet");
  }
  return { valid: await verifyCertificate(deps.pepper, purge.certificate, purge.signature) };
}
