import { createTtlCache } from "../lib/ttl-cache.js";

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
  invalidate(orgId: string, agentId: string): void;
  /** The cached directive, else `loader`'s, cached; shared by concurrent misses with `coalesce` (Node). */
  load(
    orgId: string,
    agentId: string,
    now: number,
    loader: () => Promise<ActiveDirective | null>,
  ): Promise<ActiveDirective | null>;
}

export function createDirectiveCache(
  ttlMs = 1000,
  options: { maxEntries?: number; coalesce?: boolean } = {},
): DirectiveCache {
  const cache = createTtlCache<ActiveDirective | null>(ttlMs, options.maxEntries ?? 10_000, options);
  const key = (o: string, a: string) => `${o}:${a}`;
  return {
    invalidate: (orgId, agentId) => cache.delete(key(orgId, agentId)),
    load: (orgId, agentId, now, loader) => cache.load(key(orgId, agentId), now, loader),
  };
}
