/** Time as milliseconds since the epoch; injected so tests can move it. */
export interface Clock {
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A Date, an ISO string or null from a driver, as an ISO-8601 string or null. */
export function toIso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return new Date(String(value)).toISOString();
}

/** A Date, an ISO string or null from a driver, as epoch milliseconds or null. */
export function toMillis(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.getTime() : new Date(String(value)).getTime();
}
