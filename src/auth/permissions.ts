/**
 * Named permission scopes. The bit of each is its index here: append new scopes at
 * the end and never reorder, because stored tokens keep the bitmap.
 */
export const SCOPES = [
  "memory:read",
  "memory:write",
  "memory:delete",
  "memory:export",
  "directive:read",
  "directive:write",
  "session:read",
  "session:write",
  "session:delete",
  "context:assemble",
  "agent:read",
  "agent:write",
  "token:create",
  "token:revoke",
  "org:admin",
  "analytics:read",
  "platform:admin",
  "job:read",
  "job:write",
] as const;

export type Scope = (typeof SCOPES)[number];

const READ: Scope[] = [
  "memory:read",
  "directive:read",
  "session:read",
  "agent:read",
  "analytics:read",
  "job:read",
];

/** Preset scope sets offered when creating a token. */
export const PRESETS = {
  admin: SCOPES.filter((s) => s !== "platform:admin"),
  operator: [
    ...READ,
    "memory:write",
    "memory:delete",
    "memory:export",
    "directive:write",
    "session:write",
    "session:delete",
    "agent:write",
    "context:assemble",
    "job:write",
  ],
  "read-only": READ,
  gateway: ["context:assemble", "session:write", "memory:read"],
} as const satisfies Record<string, readonly Scope[]>;

export type Preset = keyof typeof PRESETS;

/** The bitmap of a list of scopes. */
export function maskOf(scopes: readonly Scope[]): number {
  let mask = 0;
  for (const s of scopes) mask |= 2 ** SCOPES.indexOf(s);
  return mask;
}

/** The scopes set in a bitmap, in declaration order; unknown bits are ignored. */
export function scopesOf(mask: number): Scope[] {
  return SCOPES.filter((_, i) => Math.floor(mask / 2 ** i) % 2 === 1);
}

/** True when `mask` holds every scope of `required`. */
export function hasScopes(mask: number, required: readonly Scope[]): boolean {
  const need = maskOf(required);
  return (mask & need) === need;
}

/** True when every bit of `inner` is also set in `outer` (no privilege escalation). */
export function isSubset(inner: number, outer: number): boolean {
  return (inner & ~outer) === 0;
}
