import { hmacSha256Hex, timingSafeEqual } from "./crypto.js";

/** What a signed link grants: one resource of one org until `expires` (Unix seconds). */
export interface LinkGrant {
  purpose: string;
  orgId: string;
  resourceId: string;
  expires: number;
}

const message = (g: LinkGrant) => `engram-link:v1:${g.purpose}:${g.orgId}:${g.resourceId}:${g.expires}`;

/** The signature of a grant under the server's secret (HMAC-SHA-256, hex). */
export function signGrant(secret: string, grant: LinkGrant): Promise<string> {
  return hmacSha256Hex(secret, message(grant));
}

/**
 * Whether `signature` signs `grant` and the grant has not expired at `nowMs`.
 * The comparison takes the same time wherever the signatures differ.
 */
export async function verifyGrant(
  secret: string,
  grant: LinkGrant,
  signature: string,
  nowMs: number,
): Promise<boolean> {
  if (!Number.isSafeInteger(grant.expires) || grant.expires * 1000 <= nowMs) return false;
  return timingSafeEqual(await signGrant(secret, grant), signature);
}
