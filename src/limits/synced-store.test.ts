import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../deps.ts';
import type { LimitCheck } from './counter-store.ts';
import { createMemoryStore } from './memory-store.ts';
import { createSyncedStore, unanswered, type SharedCounterStore } from './synced-store.ts';

const W = 1000; // the window every call uses
const INTERVAL = 10;
const rpm = (limit: number): LimitCheck => ({ kind: 'requests', key: 'k:rpm', limit, ttlMs: 0 });
const tpm = (limit: number): LimitCheck => ({ kind: 'tokens', key: 'k:tpm', limit, ttlMs: 0 });

/** Redis stand-in: the memory store behind promises, counting the calls that reach it. */
function sharedStore() {
  const memory = createMemoryStore();
  const calls = { admit: 0, add: 0 };
  const remote: SharedCounterStore = {
    admit: async (checks, window) => (calls.admit++, memory.admit(checks, window)),
    settle: async (...args) => memory.settle(...args),
    add: async (entries, window) => (calls.add++, memory.add(entries, window)),
  };
  const total = (key: string) => memory.add([[key, 0]], W)[0];
  return { remote, calls, total };
}

let now = 0;
const clock: Clock = { now: () => now, wall: () => 0 };
const replica = (remote: SharedCounterStore, onError: (err: unknown) => void = () => undefined) => createSyncedStore(remote, { intervalMs: INTERVAL, clock, onError });
const tick = async (ms: number) => {
  now += ms;
  await vi.advanceTimersByTimeAsync(ms);
};

beforeEach(() => {
  vi.useFakeTimers();
  now = 0;
});
afterEach(() => vi.useRealTimers());

describe('synced store', () => {
  it('asks the shared store until it knows a counter, then admits on its own and sends the counts every interval', async () => {
    const { remote, calls, total } = sharedStore();
    const store = replica(remote);
    expect(await store.admit([rpm(1000)], W)).toEqual({ failed: -1, values: [1] });
    await tick(1);
    expect(await store.admit([rpm(1000)], W)).toEqual({ failed: -1, values: [2] });
    expect(calls.admit).toBe(2);
    for (let i = 3; i <= 12; i++) expect(store.admit([rpm(1000)], W)).toEqual({ failed: -1, values: [i] });
    expect(calls.admit).toBe(2);
    expect(total('k:rpm')).toBe(2);
    await tick(INTERVAL);
    expect(total('k:rpm')).toBe(12);
    expect(calls.add).toBe(1);
  });

  it('counts answers to one batch as one, yet learns a counter whose answers keep coming less than 1 ms apart', async () => {
    const { remote } = sharedStore();
    const store = replica(remote);
    const first = await Promise.all([store.admit([rpm(1000)], W), store.admit([rpm(1000)], W)]);
    expect(first.map((o) => o.values[0])).toEqual([1, 2]);
    expect(store.admit([rpm(1000)], W)).toBeInstanceOf(Promise); // two answers, but at the same instant
    for (let i = 0; i < 4; i++) {
      await tick(0.4);
      const next = store.admit([rpm(1000)], W);
      // the answer at 1.2 ms is the second one that counts; from then on it admits on its own
      if (i < 3) expect(next).toBeInstanceOf(Promise);
      else expect(next).not.toBeInstanceOf(Promise);
      await next;
    }
  });

  // which replica sends request i, and how many ms pass after it
  const patterns: Record<string, (i: number) => [replica: number, ms: number]> = {
    'alternating, 1 ms apart': (i) => [i % 2, 1],
    'one replica three times as busy': (i) => [i % 4 === 0 ? 1 : 0, 1],
    'bursts of 20 in no time, in turns': (i) => [Math.floor(i / 20) % 2, i % 20 === 19 ? 3 : 0],
    'three replicas, 0.5 ms apart': (i) => [i % 3, 0.5],
  };
  for (const [name, pattern] of Object.entries(patterns)) {
    for (const limit of [100, 1000]) {
      it(`replicas sharing one store admit exactly the limit (${limit}): ${name}`, async () => {
        const { remote, total } = sharedStore();
        const replicas = [replica(remote), replica(remote), replica(remote)];
        let admitted = 0;
        let onTheirOwn = 0;
        for (let i = 0; i < limit * 3; i++) {
          const [r, ms] = pattern(i);
          const pending = replicas[r]!.admit([rpm(limit)], W);
          if (!(pending instanceof Promise)) onTheirOwn++;
          const outcome = await pending;
          if (outcome.failed === -1) admitted++;
          if (ms) await tick(ms);
        }
        await tick(INTERVAL);
        expect(admitted).toBe(limit);
        expect(total('k:rpm')).toBe(limit * 3); // rejected requests count too
        // and, where the limit leaves room, most were admitted without waiting for the store
        if (limit >= 1000) expect(onTheirOwn).toBeGreaterThan(limit / 2);
      });
    }
  }

  it('bounds what simultaneous bursts on stale views can pass a limit by: 1.25% of it per other replica', async () => {
    const { remote } = sharedStore();
    const replicas = [replica(remote), replica(remote), replica(remote)];
    // every replica learns the counter (two answers each), far below the limit
    for (const r of replicas) {
      await r.admit([rpm(1000)], W);
      await tick(1);
      await r.admit([rpm(1000)], W);
    }
    await tick(INTERVAL);
    let admitted = 6;
    // then all three burst at once, with nothing answered in between
    const burst = replicas.flatMap((r) => Array.from({ length: 2000 }, () => r.admit([rpm(1000)], W)));
    for (const outcome of await Promise.all(burst)) if (outcome.failed === -1) admitted++;
    expect(admitted).toBeGreaterThanOrEqual(1000);
    expect(admitted).toBeLessThanOrEqual(1000 + 2 * unanswered(1000));
  });

  it('takes the exact path for every request on a limit below 80, requests or tokens', async () => {
    const { remote, calls } = sharedStore();
    const store = replica(remote);
    for (const check of [rpm(79), tpm(79)]) {
      for (let i = 0; i < 10; i++) {
        const outcome = store.admit([check], W);
        expect(outcome).toBeInstanceOf(Promise);
        await outcome;
        await tick(1);
      }
    }
    expect(calls.admit).toBe(20);
  });

  it('counts tokens from settle, sends them with the next interval and checks the limit exactly near it', async () => {
    const { remote, calls, total } = sharedStore();
    const store = replica(remote);
    await store.admit([tpm(1000)], W);
    await tick(1);
    await store.admit([tpm(1000)], W);
    store.settle(['k:tpm'], 960, W, []);
    expect(total('k:tpm')).toBe(0);
    await tick(INTERVAL);
    expect(total('k:tpm')).toBe(960);
    const before = calls.admit;
    const near = store.admit([tpm(1000)], W);
    expect(near).toBeInstanceOf(Promise);
    expect(await near).toEqual({ failed: -1, values: [960] });
    expect(calls.admit).toBe(before + 1);
  });

  it('always asks the shared store for concurrency slots', async () => {
    const { remote, calls } = sharedStore();
    const store = replica(remote);
    const slot: LimitCheck = { kind: 'concurrent', key: 'k:c', limit: 100, ttlMs: 1000 };
    for (let i = 0; i < 3; i++) {
      const outcome = store.admit([slot], W);
      expect(outcome).toBeInstanceOf(Promise);
      await outcome;
    }
    expect(calls.admit).toBe(3);
  });

  it('sends what it counted when closed, and reports a store that fails', async () => {
    const { remote, total } = sharedStore();
    const errors: unknown[] = [];
    const store = replica(remote, (err) => void errors.push(err));
    await store.admit([rpm(1000)], W);
    await tick(1);
    await store.admit([rpm(1000)], W);
    store.admit([rpm(1000)], W);
    await store.close();
    expect(total('k:rpm')).toBe(3);

    const failing = replica({ ...remote, add: () => Promise.reject(new Error('redis down')) }, (err) => void errors.push(err));
    failing.settle(['k:tpm'], 5, W, []);
    await tick(INTERVAL);
    expect(errors.map(String)).toEqual(['Error: redis down']);
  });
});
