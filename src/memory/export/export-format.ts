import type { MemoryView } from "../model.js";

export const EXPORT_FORMATS = ["jsonl", "csv"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: "application/x-ndjson; charset=utf-8",
  csv: "text/csv; charset=utf-8",
};

/** The CSV columns, in order; the JSON lines carry the same fields. Embeddings are never exported. */
export const CSV_COLUMNS = [
  "id",
  "agent_id",
  "session_id",
  "category",
  "status",
  "source",
  "confidence",
  "usefulness",
  "retrieval_count",
  "injection_risk",
  "tags",
  "metadata",
  "pii_redacted",
  "superseded_by",
  "merged_into",
  "valid_from",
  "valid_until",
  "last_retrieved_at",
  "created_at",
  "updated_at",
  "content",
] as const satisfies readonly (keyof MemoryView)[];

/** One memory as a JSON line (newlines inside strings are escaped by JSON itself). */
export function toJsonLine(m: MemoryView): string {
  return `${JSON.stringify(m)}\n`;
}

// A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, quotes
 * doubled; text that a spreadsheet would evaluate is prefixed with an apostrophe.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return String(value);
  let text = Array.isArray(value)
    ? value.join("|")
    : typeof value === "object"
      ? JSON.stringify(value)
      : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The header line of a CSV export. */
export function csvHeader(): string {
  return `${CSV_COLUMNS.join(",")}\r\n`;
}

/** One memory as a CSV record (CRLF-terminated, as RFC 4180 asks). */
export function toCsvRow(m: MemoryView): string {
  return `${CSV_COLUMNS.map((c) => csvField(m[c])).join(",")}\r\n`;
}
