import { describe, expect, it } from 'vitest';
import type { Clock } from '../deps.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { CounterStore } from './counter-store.ts';
import { createMemoryStore } from './memory-store.ts';
import { createRateLimiter, type Admission, type LimitScope } from './rate-limiter.ts';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 15, 500); // 44.5 s before the window resets
const clock: Clock = { now: () => 0, wall: () => NOW };
const keyScope: LimitScope = { id: 'key:alice', limits: { rpm: 2, tpm: 100 } };
const modelScope: LimitScope = { id: 'model:m', limits: { rpm: 1 } };

function logs() {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: { log: (_level: string, rec: Record<string, unknown>) => void lines.push(rec) } };
}

describe('rate limiter', () => {
  it('admits synchronously with the memory store and reports the first scope in x-ratelimit headers', () => {
    const limiter = createRateLimiter(createMemoryStore(), clock, logs().logger);
    const admission = limiter.admit([keyScope], 1000) as Admission;
    expect(admission).not.toBeInstanceOf(Promise);
    expect(admission.headers).toEqual({
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '1',
      'x-ratelimit-reset-requests': '45s',
      'x-ratelimit-limit-tokens': '100',
      'x-ratelimit-remaining-tokens': '100',
      'x-ratelimit-reset-tokens': '45s',
    });
  });

  it('rejects on a later scope with 429, Retry-After, the caller’s headers and the scope in the message', () => {
    const limiter = createRateLimiter(createMemoryStore(), clock, logs().logger);
    (limiter.admit([keyScope, modelScope], 1000) as Admission).finish(0);
    let thrown: unknown;
    try {
      limiter.admit([keyScope, modelScope], 1000);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    const err = thrown as GatewayError;
    expect(err.status).toBe(429);
    expect(err.message).toContain('requests per minute for model:m (limit 1)');
    expect(err.headers).toMatchObject({ 'retry-after': '45', 'x-ratelimit-remaining-requests': '0' });
  });

  it('counts tokens at finish, once', () => {
    const store = createMemoryStore();
    const limiter = createRateLimiter(store, clock, logs().logger);
    const admission = limiter.admit([keyScope], 1000) as Admission;
    admission.finish(60);
    admission.finish(60);
    expect((limiter.admit([keyScope], 1000) as Admission).headers['x-ratelimit-remaining-tokens']).toBe('40');
  });

  it('lets requests through and logs when the store fails, synchronously or not', async () => {
    const broken = (fail: () => never | Promise<never>): CounterStore => ({ admit: fail, settle: fail });
    for (const fail of [() => { throw new Error('sync down'); }, () => Promise.reject(new Error('async down'))]) {
      const { lines, logger } = logs();
      const admission = await createRateLimiter(broken(fail), clock, logger).admit([keyScope], 1000);
      expect(admission.headers).toEqual({});
      admission.finish(10);
      expect(lines[0]).toMatchObject({ msg: 'rate limit store failed; request let through' });
    }
  });

  it('with an asynchronous store, a limit reached still rejects (it is not a store failure)', async () => {
    const memory = createMemoryStore();
    const remote: CounterStore = { admit: async (c, w) => memory.admit(c, w), settle: async (...a) => memory.settle(...a) };
    const limiter = createRateLimiter(remote, clock, logs().logger);
    await limiter.admit([modelScope], 1000);
    await expect(limiter.admit([modelScope], 1000)).rejects.toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
  });
});
