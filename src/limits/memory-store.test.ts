import { describe, expect, it } from 'vitest';
import type { LimitCheck } from './counter-store.ts';
import { createMemoryStore } from './memory-store.ts';

const check = (kind: LimitCheck['kind'], key: string, limit: number): LimitCheck => ({ kind, key, limit, ttlMs: 60_000 });

describe('memory counter store', () => {
  it('counts requests per window, rejected ones included, and starts again in the next window', () => {
    const store = createMemoryStore();
    expect([1, 2, 3].map(() => store.admit([check('requests', 'r', 2)], 100))).toEqual([
      { failed: -1, values: [1] },
      { failed: -1, values: [2] },
      { failed: 0, values: [3] },
    ]);
    expect(store.admit([check('requests', 'r', 2)], 101)).toEqual({ failed: -1, values: [1] });
  });

  it('rejects tokens once the window total reaches the limit; settle adds to the window it names', () => {
    const store = createMemoryStore();
    store.settle(['t'], 30, 100, []);
    expect(store.admit([check('tokens', 't', 31)], 100)).toEqual({ failed: -1, values: [30] });
    store.settle(['t'], 1, 100, []);
    expect(store.admit([check('tokens', 't', 31)], 100)).toEqual({ failed: 0, values: [31] });
    expect(store.admit([check('tokens', 't', 31)], 101)).toEqual({ failed: -1, values: [0] });
  });

  it('holds concurrency slots until settled, and gives back slots taken before a failing check', () => {
    const store = createMemoryStore();
    expect(store.admit([check('concurrent', 'c', 1)], 1)).toEqual({ failed: -1, values: [1] });
    expect(store.admit([check('concurrent', 'c', 1)], 1)).toEqual({ failed: 0, values: [1] });
    store.settle([], 0, 1, ['c']);
    // the slot on `d` is taken, then `c` is full: `d` must be free again afterwards
    store.admit([check('concurrent', 'c', 1)], 1);
    expect(store.admit([check('concurrent', 'd', 1), check('concurrent', 'c', 1)], 1)).toEqual({ failed: 1, values: [1, 1] });
    expect(store.admit([check('concurrent', 'd', 1)], 1)).toEqual({ failed: -1, values: [1] });
  });

  it('answers synchronously, so the limiter needs no promise', () => {
    const outcome = createMemoryStore().admit([check('requests', 'r', 1)], 1);
    expect(outcome).not.toBeInstanceOf(Promise);
  });
});
