/**
 * Server-side scripts for the Redis store. Each runs atomically inside Redis and takes "now" from
 * Redis `TIME`, so processes on machines with skewed clocks still agree. Fractional milliseconds
 * travel as strings ("%.3f"): Redis truncates Lua numbers returned to the client to integers.
 */

const NOW_MS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
`;

/**
 * GCRA, mirroring gcra.ts. KEYS[1] = bucket; ARGV = limit, period_ms, max_burst, quantity, epsilon.
 * Returns {allowed, remaining, retry_after_ms, reset_after_ms}.
 */
export const GCRA_SCRIPT = `${NOW_MS}
local limit = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local quantity = tonumber(ARGV[4])
local epsilon = tonumber(ARGV[5])
local interval = period / limit
local burst_offset = interval * burst
local stored = redis.call('GET', KEYS[1])
local tat = now
if stored then tat = math.max(tonumber(stored), now) end
local new_tat = tat + interval * quantity
local allow_at = new_tat - burst_offset
if now + epsilon >= allow_at then
  if quantity > 0 then
    redis.call('SET', KEYS[1], string.format('%.3f', new_tat), 'PX', math.max(1, math.ceil(new_tat - now)))
  end
  local remaining = math.max(0, math.floor((now - allow_at + epsilon) / interval))
  return {1, remaining, '0', string.format('%.3f', new_tat - now)}
end
local remaining = math.max(0, math.floor((now - (tat - burst_offset) + epsilon) / interval))
return {0, remaining, string.format('%.3f', allow_at - now), string.format('%.3f', tat - now)}
`;

/** Drops expired leases of KEYS[1] and returns the time until the earliest live one expires. */
const PRUNE_LEASES = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.3f', now))
local function earliest_ms()
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if first[2] then return tonumber(first[2]) - now end
  return nil
end
local function keep_until_last_expiry()
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIREAT', KEYS[1], string.format('%d', math.ceil(tonumber(last[2])))) end
end
`;

/** KEYS[1] = lease set; ARGV = limit, ttl_ms, lease id. Returns {granted, retry_after_ms}. */
export const LEASE_ACQUIRE_SCRIPT = `${NOW_MS}${PRUNE_LEASES}
local limit = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
if redis.call('ZCARD', KEYS[1]) + 1 > limit then
  local wait = earliest_ms() or ttl
  return {0, string.format('%.3f', wait)}
end
redis.call('ZADD', KEYS[1], string.format('%.3f', now + ttl), ARGV[3])
keep_until_last_expiry()
return {1, '0'}
`;

/** KEYS[1] = lease set; ARGV = lease id, ttl_ms. Returns 1 when renewed, 0 when the lease was lost. */
export const LEASE_RENEW_SCRIPT = `${NOW_MS}${PRUNE_LEASES}
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', string.format('%.3f', now + tonumber(ARGV[2])), ARGV[1])
keep_until_last_expiry()
return 1
`;

/** KEYS[1] = lease set. Returns {count, ms until the earliest expiry or ''}. */
export const LEASE_STATE_SCRIPT = `${NOW_MS}${PRUNE_LEASES}
local wait = earliest_ms()
return {redis.call('ZCARD', KEYS[1]), wait and string.format('%.3f', wait) or ''}
`;

/**
 * Sliding count window. KEYS[1] = event set; ARGV = event time, window_ms, now, unique member.
 * Times come from the caller (they are log-record times, not Redis time). Returns the count.
 */
export const COUNT_EVENT_SCRIPT = `
local at = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.3f', now - window))
if at > now - window then redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4]) end
local count = redis.call('ZCARD', KEYS[1])
if count > 0 then redis.call('PEXPIRE', KEYS[1], string.format('%d', math.ceil(window))) end
return count
`;
