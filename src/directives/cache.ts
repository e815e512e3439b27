/** The directive the assembler injects: the active version (or none). */
export interface ActiveDirective {
  versionId: string;
  versionNum: number;
  content: string;
  injectionMode: "system_first" | "system_append";
}

/**
 * Per-process (per-isolate on Workers) cache of active directives. Entries live at
 * most `ttlMs` (≤ 1 s), which bounds how long another isolate can serve an old
 * version; a write in this process drops its entry at once. Pure state, no I/O.
 */
export interface DirectiveCache {
  get(orgId: string, agentId: string, now: number): ActiveDirective | null | undefined;
  set(orgId: string, agentId: string, value: ActiveDirective | null, now: number): void;
  invalidate(orgId: string, agentId: string): void;
}

export function createDirectiveCache(ttlMs = 1000, maxEntries = 10_000): DirectiveCache {
  const entries = new Map<string, { value: ActiveDirective | null; at: number }>();
  const key = (o: string, a: string) => `${o}:${a}`;
  return {
    get(orgId, agentId, now) {
      const e = entries.get(key(orgId, agentId));
      if (!e) return undefined;
      if (now - e.at >= ttlMs) {
        entries.delete(key(orgId, agentId));
        return undefined;
      }
      return e.value;
    },
    set(orgId, agentId, value, now) {
      if (ttlMs <= 0) return;
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      entries.set(key(orgId, agentId), { value, at: now });
    },
    invalidate(orgId, agentId) {
      entries.delete(key(orgId, agentId));
    },
  };
}
