import { describe, expect, it } from 'vitest';
import { requestPriority } from './priority.ts';
import { WaitQueue, type Waiting } from './wait-queue.ts';

describe('WaitQueue', () => {
  it('serves higher priority first, then arrival order; removes a waiter that left', () => {
    const q = new WaitQueue<Waiting & { name: string }>();
    const w = (name: string, priority: number, seq: number) => ({ name, priority, seq, since: seq });
    const items = [w('low1', -10, 1), w('n1', 0, 2), w('high1', 10, 3), w('n2', 0, 4), w('high2', 10, 5), w('low2', -10, 6)];
    for (const i of items) q.push(i);
    q.remove(items[3]!);
    expect([...q.inOrder()].map((i) => i.name)).toEqual(['high1', 'high2', 'n1', 'low1', 'low2']);
    const { byPriority, oldestSince } = q.summary();
    expect(Object.fromEntries(byPriority)).toEqual({ '10': 2, '0': 1, '-10': 2 });
    expect(oldestSince).toBe(1);
  });
});

describe('requestPriority', () => {
  it('reads names and integers, defaults to the caller’s, rejects anything else with 400', () => {
    expect(requestPriority(undefined, 3)).toBe(3);
    expect(requestPriority('High', 0)).toBe(10);
    expect(requestPriority('low', 0)).toBe(-10);
    expect(requestPriority('-4', 0)).toBe(-4);
    expect(() => requestPriority('urgent', 0)).toThrow(/X-Request-Priority must be high, normal, low or an integer/);
    expect(() => requestPriority('1e9', 0)).toThrow();
  });
});
