import { Receiver } from "@upstash/qstash";
import type { JobDeliveryVerifier } from "../../jobs/ports.js";

export interface QstashVerifierOptions {
  currentSigningKey: string;
  nextSigningKey: string;
}

/** Seconds of clock difference tolerated on the token's `nbf` and `exp`. */
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * Verifies QStash's `Upstash-Signature` with `@upstash/qstash`'s `Receiver`: a JWT
 * signed HS256 with the current signing key — or the next one, during a rotation —
 * issued by `Upstash`, not expired, whose `sub` is the webhook's URL and whose `body`
 * claim is the base64url SHA-256 of the exact body received (padding ignored). Dev
 * mode is off: the keys given are the only keys (the SDK ignores QSTASH_DEV and the
 * signing keys in the environment). `nbf` and `exp` allow 5 s of clock difference.
 * JV1: any failure — no signature, a bad one, or the SDK throwing — is `false`;
 * the signature and the reason are not logged.
 */
export function createQstashVerifier(opts: QstashVerifierOptions): JobDeliveryVerifier {
  let receiver: Receiver | undefined;
  return {
    async verify({ signature, body, url }) {
      if (!signature) return false;
      try {
        receiver ??= new Receiver({
          currentSigningKey: opts.currentSigningKey,
          nextSigningKey: opts.nextSigningKey,
          devMode: false,
        });
        return (
          (await receiver.verify({ signature, body, url, clockTolerance: CLOCK_TOLERANCE_SECONDS })) === true
        );
      } catch {
        return false;
      }
    },
  };
}
