import { luaScript } from '@switchboard/redis-script';

// The Lua scripts of RedisStreamOfflinePushQueue, one per constant (kept as strings so that the
// esbuild bundles carry them). Each one settles or moves an entry atomically, so two workers can never
// both reschedule or dead-letter the same entry: the XACK's reply says who got it.

/**
 * Adds an event unless the queue (stream plus retries) already holds `maxLen`. The MAXLEN ~ trim is a
 * safety net only: the check above keeps the stream under it.
 * KEYS: stream, delayed. ARGV: maxLen, event JSON. Returns 1 when added, 0 when full.
 */
export const ENQUEUE = luaScript(
  'enqueue',
  `
if redis.call('XLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'event', ARGV[2], 'attempt', 1)
return 1
`,
);

/**
 * Settles a delivered entry. KEYS: stream. ARGV: group, entry id. Returns 1, or 0 when it was no
 * longer pending (another worker settled it).
 */
export const ACK = luaScript(
  'ack',
  `
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
`,
);

/**
 * Takes an entry out of the stream and schedules its next attempt.
 * KEYS: stream, delayed. ARGV: group, entry id, due time, "<attempt>|<event JSON>". Returns 1 or 0.
 */
export const RETRY = luaScript(
  'retry',
  `
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
`,
);

/**
 * Moves retries that are due back into the stream, at most `limit` of them.
 * KEYS: delayed, stream. ARGV: now, limit. Returns the number moved.
 */
export const PROMOTE = luaScript(
  'promote',
  `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, member in ipairs(due) do
  local attempt, event = string.match(member, '^(%d+)|(.*)$')
  redis.call('ZREM', KEYS[1], member)
  redis.call('XADD', KEYS[2], '*', 'event', event, 'attempt', attempt)
end
return #due
`,
);

/**
 * Takes an entry out of the stream into the capped dead-letter stream.
 * KEYS: stream, dead. ARGV: group, entry id, dead maxLen, event JSON, attempts, error, failedAt.
 * Returns 1 or 0.
 */
export const DEAD_LETTER = luaScript(
  'deadLetter',
  `
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*',
  'event', ARGV[4], 'attempts', ARGV[5], 'error', ARGV[6], 'failedAt', ARGV[7])
return 1
`,
);
