/** Kinds of personal data and secrets the write pipeline redacts (ADR-0034). */
export type PiiKind = "EMAIL" | "PHONE" | "SSN" | "CARD" | "IBAN" | "IP" | "SECRET";

/** The redacted text and how many findings of each kind were replaced. */
export interface Redaction {
  text: string;
  counts: Partial<Record<PiiKind, number>>;
}

type Rule = { kind: PiiKind; re: RegExp; accept?: (match: string, text: string, index: number) => boolean };

const digits = (s: string) => s.replace(/\D/g, "");

/** Luhn checksum: real card numbers pass, most order and reference numbers do not. */
export function luhnValid(number: string): boolean {
  const d = digits(number);
  if (d.length < 13 || d.length > 19 || /^(\d)\1+$/.test(d)) return false;
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let n = Number(d[d.length - 1 - i]);
    if (i % 2 === 1) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
  }
  return sum % 10 === 0;
}

/** ISO 13616 mod-97 check of an IBAN (spaces ignored). */
export function ibanValid(candidate: string): boolean {
  const s = candidate.replace(/\s+/g, "").toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(s)) return false;
  const rearranged = `${s.slice(4)}${s.slice(0, 4)}`;
  let remainder = 0;
  for (const ch of rearranged) {
    const value = /[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of value) remainder = (remainder * 10 + Number(d)) % 97;
  }
  return remainder === 1;
}

/** A syntactically valid IPv6 address (any compression), checked by the URL parser. */
function ipv6Valid(candidate: string): boolean {
  if ((candidate.match(/:/g) ?? []).length < 2) return false;
  try {
    return new URL(`http://[${candidate}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

const precededBy = (text: string, index: number, re: RegExp) =>
  re.test(text.slice(Math.max(0, index - 12), index));

// Order matters: secrets first (a JWT or key block contains things that look like
// other kinds), then the structured identifiers, phones and addresses last.
const RULES: Rule[] = [
  { kind: "SECRET", re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g },
  { kind: "SECRET", re: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}\b/g },
  { kind: "SECRET", re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  {
    kind: "SECRET",
    re: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b|\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bAIza[0-9A-Za-z_-]{35}\b|\beg_(?:pat|svc)_[0-9a-f]{32}_[A-Za-z0-9_-]{43}/g,
  },
  { kind: "SECRET", re: /\bBearer\s+[A-Za-z0-9._~+/-]{16,}=*/gi },
  {
    kind: "SECRET",
    re: /\b(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?key|auth[_-]?token|client[_-]?secret|aws_secret_access_key)\b\s*[:=]\s*["']?[^\s"',;]{6,}["']?/gi,
  },
  { kind: "EMAIL", re: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g },
  {
    kind: "IBAN",
    re: /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b/g,
    accept: (m) => ibanValid(m),
  },
  { kind: "CARD", re: /\b\d(?:[ -]?\d){12,18}\b/g, accept: (m) => luhnValid(m) },
  {
    kind: "SSN",
    re: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g,
  },
  {
    kind: "PHONE",
    // +CC followed by 6–14 more digits in groups, or North American (NPA) NXX-XXXX with
    // separators; bare digit runs are left alone (order numbers, ids).
    re: /(?<![\w+])\+\d{1,3}(?:[ .-]?(?:\(\d{1,4}\)|\d{1,4})){2,5}(?![\w])|(?<![\w])(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-])/g,
    accept: (m) => digits(m).length >= 8 && digits(m).length <= 15,
  },
  {
    kind: "IP",
    re: /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w.])/g,
    // "version 1.2.3.4" and "v1.2.3.4" are versions, not addresses.
    accept: (_m, text, index) => !precededBy(text, index, /(?:\bv|version\s?|release\s?|build\s?)$/i),
  },
  {
    kind: "IP",
    re: /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g,
    accept: (m) => ipv6Valid(m),
  },
];

/**
 * Replaces personal data and secrets with typed placeholders (`[EMAIL]`, `[PHONE]`,
 * `[SSN]`, `[CARD]`, `[IBAN]`, `[IP]`, `[SECRET]`) and counts them. Checksums (Luhn,
 * IBAN mod-97) and context rules keep order numbers, versions and dates intact.
 * Pure; the original text is never logged.
 */
export function redactPii(input: string): Redaction {
  const counts: Partial<Record<PiiKind, number>> = {};
  let text = input;
  for (const rule of RULES) {
    text = text.replace(rule.re, (match: string, ...rest: unknown[]) => {
      const index = rest.find((x) => typeof x === "number") as number;
      if (rule.accept && !rule.accept(match, text, index)) return match;
      counts[rule.kind] = (counts[rule.kind] ?? 0) + 1;
      return `[${rule.kind}]`;
    });
  }
  return { text, counts };
}
