import { randomBytes } from "../lib/crypto.js";
import { toBase64Url } from "../lib/encoding.js";
import { uuidv7 } from "../lib/ids.js";

export type TokenKind = "pat" | "service";

const TAG: Record<TokenKind, string> = { pat: "pat", service: "svc" };
const TOKEN_RE = /^eg_(pat|svc)_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;

/** A freshly minted token; `plaintext` is shown once and never stored. */
export interface MintedToken {
  id: string;
  kind: TokenKind;
  prefix: string;
  secret: string;
  plaintext: string;
}

/** A token string split into its parts (not yet verified). */
export interface ParsedToken {
  id: string;
  kind: TokenKind;
  secret: string;
}

function hexToUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The public part of a token (`eg_pat_<id>`), safe to show and log. */
export function tokenPrefix(kind: TokenKind, id: string): string {
  return `eg_${TAG[kind]}_${id.replace(/-/g, "")}`;
}

/** Mints `eg_pat_<id>_<secret>` / `eg_svc_…` with a 32-byte random secret. */
export function mintToken(kind: TokenKind, id: string = uuidv7()): MintedToken {
  const secret = toBase64Url(randomBytes(32));
  const prefix = tokenPrefix(kind, id);
  return { id, kind, prefix, secret, plaintext: `${prefix}_${secret}` };
}

/** Splits a token string; null when it is not in our format. */
export function parseToken(plaintext: string): ParsedToken | null {
  const m = TOKEN_RE.exec(plaintext);
  if (!m?.[2] || !m[3]) return null;
  return { kind: m[1] === "svc" ? "service" : "pat", id: hexToUuid(m[2]), secret: m[3] };
}
