/** Memory categories, in the order context sections are formatted. */
export const MEMORY_CATEGORIES = ["procedural", "factual", "preference", "behavioral", "episodic"] as const;
export type MemoryCategory = (typeof MEMORY_CATEGORIES)[number];

export const MEMORY_SOURCES = ["extracted", "user_provided", "imported", "inferred"] as const;
export type MemorySource = (typeof MEMORY_SOURCES)[number];

export const MEMORY_STATUSES = [
  "active",
  "superseded",
  "merged",
  "archived",
  "pending_review",
  "quarantined",
] as const;
export type MemoryStatus = (typeof MEMORY_STATUSES)[number];
