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
