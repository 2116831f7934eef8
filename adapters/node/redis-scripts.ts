import type { Admitted, LimitCheck } from '../../src/index.ts';

/**
 * The one Lua script the Redis store runs. Each call carries everything a gateway
 * replica has to tell Redis in one turn of its event loop: the requests that ended
 * (tokens to count, slots to free) and the requests to admit. Redis runs it atomically,
 * so every replica sees the same counts.
 *
 * Windowed keys carry their window number (`…:rpm:29413`) and expire after two windows;
 * slots expire after their TTL so a crashed replica's slots come back.
 *
 * KEYS: token counters to add to, slots to free, then one key per admission check.
 * ARGV[1]: the amounts for the token counters and slots, space-separated; ARGV[2]: how
 * many of those keys are token counters; ARGV[3]: the counters' TTL ms; then one string
 * per admission with its checks, `<kind><limit>:<ttl ms>` each (r = requests, t = tokens,
 * c = concurrent; a = add the number in place of the limit, unconditionally: counts a
 * replica made on its own, see createSyncedStore). Few, packed arguments: the client's cost grows with their count.
 * Reply: per admission the failed check's index (-1: admitted), the number of values, the values.
 */
export const SYNC_LUA = `
local nTokens, ttl, i = tonumber(ARGV[2]), ARGV[3], 0
for amount in string.gmatch(ARGV[1], '%d+') do
  i = i + 1
  local key = KEYS[i]
  if i <= nTokens then
    redis.call('INCRBY', key, amount)
    if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, ttl) end
  elseif redis.call('DECRBY', key, amount) <= 0 then
    redis.call('DEL', key)
  end
end
local out, k = {}, i + 1
for a = 4, #ARGV do
  local c, failed, taken, values = 0, -1, {}, {}
  for kind, limit, keyTtl in string.gmatch(ARGV[a], '(%a)(%d+):(%d+)') do
    local key = KEYS[k]
    k = k + 1
    if failed < 0 then
      local v, ok
      limit = tonumber(limit)
      if kind == 'r' then
        v = redis.call('INCR', key)
        if v == 1 then redis.call('PEXPIRE', key, keyTtl) end
        ok = v <= limit
      elseif kind == 'a' then
        v = redis.call('INCRBY', key, limit)
        if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, keyTtl) end
        ok = true
      else
        v = tonumber(redis.call('GET', key) or '0')
        ok = v < limit
        if ok and kind == 'c' then
          v = redis.call('INCR', key)
          redis.call('PEXPIRE', key, keyTtl)
          taken[#taken + 1] = key
        end
      end
      values[#values + 1] = v
      if not ok then failed = c end
    end
    c = c + 1
  end
  if failed >= 0 then
    for _, key in ipairs(taken) do
      if redis.call('DECR', key) <= 0 then redis.call('DEL', key) end
    end
  end
  out[#out + 1] = failed
  out[#out + 1] = #values
  for _, v in ipairs(values) do out[#out + 1] = v end
end
return out`;

const KIND = { requests: 'r', tokens: 't', concurrent: 'c' } as const;
export const COUNTER_TTL_MS = 120_000;

export interface AdmitCall {
  checks: readonly LimitCheck[];
  window: number;
}

export interface SettleCall {
  tokenKeys: readonly string[];
  tokens: number;
  window: number;
  slotKeys: readonly string[];
}

/** Unconditional additions to windowed counters (0 reads one). */
export interface AddCall {
  adds: readonly (readonly [key: string, amount: number])[];
  window: number;
}

export type StoreCall = AdmitCall | SettleCall | AddCall;

export function windowedKey(key: string, window: number): string {
  return `${key}:${window}`;
}

/** numkeys, KEYS and ARGV for SYNC_LUA; settles are summed per key. */
export function encodeSync(calls: readonly StoreCall[]): (string | number)[] {
  const tokens = new Map<string, number>();
  const slots = new Map<string, number>();
  const admitKeys: string[] = [];
  const specs: string[] = [];
  for (const call of calls) {
    if ('adds' in call) {
      let spec = '';
      for (const [key, amount] of call.adds) {
        admitKeys.push(windowedKey(key, call.window));
        spec += `a${amount}:${COUNTER_TTL_MS} `;
      }
      specs.push(spec);
    } else if ('checks' in call) {
      let spec = '';
      for (const c of call.checks) {
        const concurrent = c.kind === 'concurrent';
        admitKeys.push(concurrent ? c.key : windowedKey(c.key, call.window));
        spec += `${KIND[c.kind]}${Math.min(c.limit, Number.MAX_SAFE_INTEGER)}:${concurrent ? c.ttlMs : COUNTER_TTL_MS} `;
      }
      specs.push(spec);
    } else {
      if (call.tokens > 0) {
        for (const k of call.tokenKeys) {
          const key = windowedKey(k, call.window);
          tokens.set(key, (tokens.get(key) ?? 0) + call.tokens);
        }
      }
      for (const k of call.slotKeys) slots.set(k, (slots.get(k) ?? 0) + 1);
    }
  }
  const amounts = [...tokens.values(), ...slots.values()].join(' ');
  return [tokens.size + slots.size + admitKeys.length, ...tokens.keys(), ...slots.keys(), ...admitKeys, amounts, tokens.size, COUNTER_TTL_MS, ...specs];
}

/** One answer per call: the admissions' outcomes (for adds: the totals after) in order, null for settles. */
export function decodeSync(reply: unknown, calls: readonly StoreCall[]): (Admitted | null)[] {
  if (!Array.isArray(reply)) throw new Error('unexpected reply from the rate-limit script');
  let at = 0;
  return calls.map((call) => {
    if (!('checks' in call) && !('adds' in call)) return null;
    const failed = Number(reply[at]);
    const count = Number(reply[at + 1]);
    const values: number[] = [];
    for (let i = 0; i < count; i++) values.push(Number(reply[at + 2 + i]));
    at += 2 + count;
    return { failed, values };
  });
}
