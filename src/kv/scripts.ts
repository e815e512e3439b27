/**
 * Conditional append, atomic in Redis: ARGV[1] is the expected length ('' for none),
 * ARGV[2..] the values. Returns the new length, or -1 when the expectation failed.
 */
export const LIST_APPEND_LUA = `
local n = redis.call('LLEN', KEYS[1])
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= n then return -1 end
for i = 2, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
return n + #ARGV - 1
`;

/** Maps the script's answer to the port's. */
export function appendResult(raw: unknown): number | null {
  const n = Number(raw);
  return n < 0 ? null : n;
}

/** INCRBY that sets the TTL only when the counter is created (EXPIRE NX semantics). */
export const INCR_LUA = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return v
`;

/** ZADD score/member pairs (ARGV[3..]), trim to the ARGV[1] best, EXPIRE ARGV[2]. */
export const ZADD_TRIM_LUA = `
for i = 3, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end
local n = tonumber(ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(n + 1))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return redis.call('ZCARD', KEYS[1])
`;

/** DEL, then ZADD pairs (ARGV[2..]) and EXPIRE ARGV[1]: the set becomes exactly these. */
export const ZREPLACE_LUA = `
redis.call('DEL', KEYS[1])
for i = 2, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end
if #ARGV > 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return 1
`;

/** Flattens entries to Redis' score, member argument pairs. */
export function zpairs(entries: { member: string; score: number }[]): string[] {
  return entries.flatMap((e) => [String(e.score), e.member]);
}

/**
 * The `count` best members from a flat [member, score, member, score…] reply, in Redis'
 * own reverse order (score descending, then member descending), which is also the
 * order trimming keeps, so every adapter agrees on ties.
 */
export function topOf(flat: string[], count: number): string[] {
  const pairs: [string, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([String(flat[i]), Number(flat[i + 1])]);
  pairs.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0));
  return pairs.slice(0, count).map(([m]) => m);
}

/** Keys scanned or deleted per round trip by the Redis adapters. */
export const SCAN_BATCH = 500;

/**
 * A Redis `MATCH` pattern that matches keys starting with `prefix` literally: glob
 * characters in the prefix are escaped with a backslash.
 * @throws Error for an empty prefix (it would match every key of every org).
 */
export function prefixPattern(prefix: string): string {
  if (prefix.length === 0) throw new Error("key prefix must not be empty");
  return `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
}
