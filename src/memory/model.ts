import { toIso } from "../lib/clock.js";
import { jsonColumn } from "../lib/columns.js";
import type { MemoryCategory, MemorySource, MemoryStatus } from "./categories.js";
import type { PiiKind } from "./write/pii.js";

/** A memory as the API and the engine show it (never its embedding). */
export interface MemoryView {
  id: string;
  agent_id: string;
  session_id: string | null;
  content: string;
  category: MemoryCategory;
  source: MemorySource;
  status: MemoryStatus;
  confidence: number;
  usefulness: number;
  retrieval_count: number;
  tags: string[];
  metadata: Record<string, unknown>;
  pii_redacted: Partial<Record<PiiKind, number>>;
  injection_risk: number;
  superseded_by: string | null;
  merged_into: string | null;
  valid_from: string;
  valid_until: string | null;
  last_retrieved_at: string | null;
  created_at: string;
  updated_at: string;
}

export const MEMORY_COLUMNS = `m.id, m.agent_id, m.session_id, m.content, m.category, m.source, m.status, m.confidence,
  m.usefulness, m.retrieval_count, m.metadata, m.pii_redacted, m.injection_risk, m.superseded_by, m.merged_into,
  m.valid_from, m.valid_until, m.last_retrieved_at, m.created_at, m.updated_at,
  coalesce((SELECT array_agg(t.tag ORDER BY t.tag) FROM memory_tags t WHERE t.memory_id = m.id), '{}') AS tags`;

const num = (v: unknown) => Math.round(Number(v) * 1e6) / 1e6;

/** Maps a driver row (selected with MEMORY_COLUMNS) to the view. */
export function toMemoryView(row: Record<string, unknown>): MemoryView {
  return {
    id: String(row.id),
    agent_id: String(row.agent_id),
    session_id: row.session_id ? String(row.session_id) : null,
    content: String(row.content),
    category: row.category as MemoryCategory,
    source: row.source as MemorySource,
    status: row.status as MemoryStatus,
    confidence: num(row.confidence),
    usefulness: num(row.usefulness),
    retrieval_count: Number(row.retrieval_count),
    tags: Array.isArray(row.tags) ? row.tags.map(String) : [],
    metadata: jsonColumn(row.metadata),
    pii_redacted: jsonColumn(row.pii_redacted),
    injection_risk: num(row.injection_risk),
    superseded_by: row.superseded_by ? String(row.superseded_by) : null,
    merged_into: row.merged_into ? String(row.merged_into) : null,
    valid_from: toIso(row.valid_from) ?? "",
    valid_until: toIso(row.valid_until),
    last_retrieved_at: toIso(row.last_retrieved_at),
    created_at: toIso(row.created_at) ?? "",
    updated_at: toIso(row.updated_at) ?? "",
  };
}
