import { toIso } from "../lib/clock.js";
import { jsonColumn } from "../lib/columns.js";

export interface OrgSettings {
  /** Days a completed session's transcript is kept. */
  session_retention_days: number;
  max_agents: number | null;
}

export const DEFAULT_ORG_SETTINGS: OrgSettings = { session_retention_days: 90, max_agents: null };

export interface OrgView {
  id: string;
  name: string;
  slug: string;
  tier: "free" | "pro" | "enterprise";
  status: "active" | "suspended" | "deleted";
  settings: OrgSettings;
  created_at: string;
  updated_at: string;
}

export const ORG_COLUMNS = "id, name, slug, tier, status, settings, created_at, updated_at";

/** Maps a driver row to the API view. */
export function toOrgView(row: Record<string, unknown>): OrgView {
  const settings = jsonColumn<Partial<OrgSettings>>(row.settings);
  return {
    id: String(row.id),
    name: String(row.name),
    slug: String(row.slug),
    tier: row.tier as OrgView["tier"],
    status: row.status as OrgView["status"],
    settings: { ...DEFAULT_ORG_SETTINGS, ...settings },
    created_at: toIso(row.created_at) ?? "",
    updated_at: toIso(row.updated_at) ?? "",
  };
}
