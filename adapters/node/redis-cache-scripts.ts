/**
 * The Lua scripts of the Redis response cache. Per namespace (`<ns>`) under the prefix:
 * `e:<ns>:<hash>` the entry (encoded, with its ttl), `i:<ns>` a sorted set of the entries'
 * hashes by last use, `s:<ns>` a hash of their sizes, `b:<ns>` their total bytes; `ns` lists
 * the namespaces. Each script runs atomically, so replicas sharing the server keep one
 * bound per namespace. Entries that expired stay in the index until evicted, purged or
 * counted (USAGE drops them).
 */

/** KEYS: entry, index. ARGV: now, hash. The entry (bytes) or nil; a hit moves it to most recently used. */
export const GET_LUA = `
local v = redis.call('GET', KEYS[1])
if v then redis.call('ZADD', KEYS[2], 'XX', ARGV[1], ARGV[2]) end
return v
`;

/**
 * KEYS: entry, index, sizes, total, namespaces. ARGV: value, ttl ms, now, hash, max entries,
 * max bytes, entry key prefix of the namespace, namespace. Stores the entry, then evicts the
 * least recently used until the namespace is within its bounds.
 * Reply: {entries evicted, entries now, bytes now}.
 */
export const SET_LUA = `
local old = redis.call('HGET', KEYS[3], ARGV[4])
if old then redis.call('DECRBY', KEYS[4], old) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local size = string.len(ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('HSET', KEYS[3], ARGV[4], size)
local total = redis.call('INCRBY', KEYS[4], size)
redis.call('SADD', KEYS[5], ARGV[8])
local maxEntries, maxBytes, evicted = tonumber(ARGV[5]), tonumber(ARGV[6]), 0
while redis.call('ZCARD', KEYS[2]) > maxEntries or total > maxBytes do
  local popped = redis.call('ZPOPMIN', KEYS[2])
  if #popped == 0 then break end
  local member = popped[1]
  total = redis.call('DECRBY', KEYS[4], tonumber(redis.call('HGET', KEYS[3], member) or '0'))
  redis.call('HDEL', KEYS[3], member)
  evicted = evicted + redis.call('DEL', ARGV[7] .. member)
end
return {evicted, redis.call('ZCARD', KEYS[2]), total}
`;

/** KEYS: index, sizes, total. ARGV: entry key prefix. Drops expired entries from the index; reply {entries, bytes}. */
export const USAGE_LUA = `
local total = tonumber(redis.call('GET', KEYS[3]) or '0')
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('EXISTS', ARGV[1] .. member) == 0 then
    redis.call('ZREM', KEYS[1], member)
    total = redis.call('DECRBY', KEYS[3], tonumber(redis.call('HGET', KEYS[2], member) or '0'))
    redis.call('HDEL', KEYS[2], member)
  end
end
return {redis.call('ZCARD', KEYS[1]), total}
`;

/** KEYS: index, sizes, total, namespaces. ARGV: entry key prefix, namespace. Removes the namespace; reply: entries removed. */
export const PURGE_LUA = `
local n = 0
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do n = n + redis.call('DEL', ARGV[1] .. member) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('SREM', KEYS[4], ARGV[2])
return n
`;
