import { luaScript } from '@switchboard/redis-script';

// The Lua scripts of RedisRouteStore, one per constant. They live here as strings rather than .lua
// files so that the esbuild app bundles carry them with no copy step. Each touches keys of ONE hash
// slot only (see redis-keys.ts), which keeps every one of them valid on Redis Cluster, except
// LIVE_GATES_AND_USERS and BIND_INDEXED, which a store runs on a single Redis only.
//
// Stored formats (see redis-binding-codec.ts): gate info "<incarnation>|<bootId>|<grpcAddress>"; dead gate
// "<incarnation>:<gateId>"; binding JSON whose field `e` is the epoch.

/**
 * Registers a gate or extends its live lease (and updates its address). The lease is extended only
 * when it is live and was registered by the same boot id (the same gate process); otherwise the gate
 * gets a new incarnation, and the old one, if any, is queued in the dead set for cleanup, so a
 * restarted process never inherits the bindings of the one before it.
 * KEYS: gateLeases, gateInfo, gateIncarnations, deadGates. ARGV: gateId, bootId, grpcAddress, now,
 * expiresAt. Returns {registered 0|1, incarnation}.
 */
export const RENEW_GATE = luaScript(
  'renewGate',
  `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
local info = redis.call('HGET', KEYS[2], ARGV[1])
if score and info and tonumber(score) > tonumber(ARGV[4]) then
  local incarnation, boot = string.match(info, '^(%d+)|([^|]*)|')
  if boot == ARGV[2] then
    redis.call('ZADD', KEYS[1], ARGV[5], ARGV[1])
    redis.call('HSET', KEYS[2], ARGV[1], incarnation .. '|' .. ARGV[2] .. '|' .. ARGV[3])
    return {0, tonumber(incarnation)}
  end
end
if info then
  redis.call('SADD', KEYS[4], string.match(info, '^(%d+)|') .. ':' .. ARGV[1])
end
local incarnation = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], ARGV[5], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], incarnation .. '|' .. ARGV[2] .. '|' .. ARGV[3])
return {1, incarnation}
`,
);

/**
 * Claims every gate whose lease expired at or before `now`: removes it from the registry and queues its
 * incarnation in the dead set. Atomic, so among route instances racing to expire, each gate is claimed
 * by exactly one. KEYS: gateLeases, gateInfo, deadGates. ARGV: now. Returns the claimed dead-set members.
 */
export const CLAIM_EXPIRED_GATES = luaScript(
  'claimExpiredGates',
  `
local claimed = {}
for _, gateId in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])) do
  local info = redis.call('HGET', KEYS[2], gateId)
  redis.call('ZREM', KEYS[1], gateId)
  redis.call('HDEL', KEYS[2], gateId)
  if info then
    local member = string.match(info, '^(%d+)|') .. ':' .. gateId
    redis.call('SADD', KEYS[3], member)
    table.insert(claimed, member)
  end
end
return claimed
`,
);

/**
 * Claims one gate regardless of its lease (a draining gate removing itself). KEYS: gateLeases, gateInfo,
 * deadGates. ARGV: gateId. Returns the dead-set member, or nil when the gate was not registered.
 */
export const CLAIM_GATE = luaScript(
  'claimGate',
  `
local info = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if not info then return false end
local member = string.match(info, '^(%d+)|') .. ':' .. ARGV[1]
redis.call('SADD', KEYS[3], member)
return member
`,
);

/** Lua collecting the live gates of KEYS[1] (gateLeases) and KEYS[2] (gateInfo) at ARGV[1] (now) into `gates`. */
const COLLECT_LIVE_GATES = `
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES')
local gates = {}
for i = 1, #live, 2 do
  local info = redis.call('HGET', KEYS[2], live[i])
  if info then
    table.insert(gates, live[i])
    table.insert(gates, live[i + 1])
    table.insert(gates, info)
  end
end
`;

/**
 * Reads every live gate consistently (lease and info in one step). KEYS: gateLeases, gateInfo.
 * ARGV: now. Returns a flat list {gateId, leaseExpiresAt, info, ...}.
 */
export const LIVE_GATES = luaScript('liveGates', `${COLLECT_LIVE_GATES}return gates\n`);

/**
 * The live gates and the binding hashes of some users in one round trip: the lookup of every
 * delivery. **Single Redis only**: the user keys are of many slots, which Redis Cluster rejects
 * (CROSSSLOT); a Cluster store reads each user on its own. KEYS: gateLeases, gateInfo, then one
 * userBindings key per user. ARGV: now. Returns {live gates as LIVE_GATES, then per user key its
 * HGETALL as a flat {deviceId, binding, ...}}.
 */
export const LIVE_GATES_AND_USERS = luaScript(
  'liveGatesAndUsers',
  `${COLLECT_LIVE_GATES}local out = { gates }
for k = 3, #KEYS do
  out[k - 1] = redis.call('HGETALL', KEYS[k])
end
return out
`,
);

/**
 * Reads one gate's info if its lease is live. KEYS: gateLeases, gateInfo. ARGV: gateId, now.
 * Returns the info string or nil.
 */
export const LIVE_GATE = luaScript(
  'liveGate',
  `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) <= tonumber(ARGV[2]) then return false end
return redis.call('HGET', KEYS[2], ARGV[1])
`,
);

/**
 * Adds a binding ref to its gate incarnation's index (before the binding itself is stored, so that a
 * later removal of the ref can never run ahead of its addition). KEYS: gateApps, gateBindings.
 * ARGV: appId, ref.
 */
export const INDEX_BINDING = luaScript(
  'indexBinding',
  `
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return 1
`,
);

/**
 * Stores a device's binding unless the stored one has a higher epoch (a concurrent bind that got its
 * epoch later but landed first). KEYS: userBindings. ARGV: deviceId, bindingJson, epoch.
 * Returns {1, replacedJson|nil} when stored, {0, currentJson} when superseded.
 */
export const BIND = luaScript(
  'bind',
  `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and tonumber(cjson.decode(current).e) > tonumber(ARGV[3]) then
  return {0, current}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {1, current}
`,
);

/**
 * Whole binds, each in one step, several per script: **single Redis only** (a user's and a gate
 * index's keys are of two slots, which Redis Cluster rejects). For each bind in turn: takes the
 * device's next epoch, adds the binding's ref to its gate incarnation's index, then stores the
 * binding unless the stored one has a higher epoch (a bind of an older route version, which takes
 * its epoch and stores in separate steps), in which case the ref is taken out again.
 * KEYS, 4 per bind: userEpochs, userBindings, gateApps, gateBindings. ARGV, 5 per bind: deviceId,
 * appId, refHead, bindingHead, bindingTail (the ref and binding JSON are head .. epoch .. tail).
 * Returns per bind {1, replacedJson|nil, epoch} when stored, {0, currentJson, epoch} when superseded.
 */
export const BIND_INDEXED = luaScript(
  'bindIndexed',
  `
local out = {}
for i = 1, #KEYS / 4 do
  local k, a = (i - 1) * 4, (i - 1) * 5
  local epoch = redis.call('HINCRBY', KEYS[k + 1], ARGV[a + 1], 1)
  local ref = ARGV[a + 3] .. epoch
  redis.call('SADD', KEYS[k + 3], ARGV[a + 2])
  redis.call('SADD', KEYS[k + 4], ref)
  local current = redis.call('HGET', KEYS[k + 2], ARGV[a + 1])
  if current and tonumber(cjson.decode(current).e) > epoch then
    redis.call('SREM', KEYS[k + 4], ref)
    out[i] = {0, current, epoch}
  else
    redis.call('HSET', KEYS[k + 2], ARGV[a + 1], ARGV[a + 4] .. epoch .. ARGV[a + 5])
    out[i] = {1, current, epoch}
  end
end
return out
`,
);

/**
 * Stores a device's binding only if the stored one is still exactly what the caller read (compare and
 * set; '' stands for "no binding"), for `rebind`, which decides in several steps whether it may replace
 * it. KEYS: userBindings. ARGV: deviceId, bindingJson, expectedJson. Returns {1, replaced|nil} when
 * stored, {0, current|nil} when the binding changed since it was read.
 */
export const BIND_IF_UNCHANGED = luaScript(
  'bindIfUnchanged',
  `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if (current or '') ~= ARGV[3] then
  return {0, current}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {1, current}
`,
);

/**
 * Removes a device's binding only if it still carries the given epoch. KEYS: userBindings.
 * ARGV: deviceId, epoch. Returns the removed binding JSON, or nil.
 */
export const UNBIND = luaScript(
  'unbind',
  `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current or tonumber(cjson.decode(current).e) ~= tonumber(ARGV[2]) then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
return current
`,
);

/**
 * Removes a gate from a room only if the entry belongs to the given incarnation, so cleaning up an old
 * incarnation never drops a room the gate re-joined since. KEYS: room. ARGV: gateId, incarnation.
 */
export const LEAVE_ROOM = luaScript(
  'leaveRoom',
  `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
`,
);
