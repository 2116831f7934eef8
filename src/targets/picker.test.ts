import { describe, expect, it } from 'vitest';
import { pickTarget, type RoundRobin } from './picker.ts';
import { TargetState } from './target-state.ts';
import type { Target } from './target.ts';

function state(id: string, weight = 1, inFlight = 0): TargetState {
  const s = new TargetState({ id, label: id, weight, maxConcurrent: undefined } as unknown as Target);
  s.inFlight = inFlight;
  return s;
}

const all = () => true;
const rr = (): RoundRobin => ({ current: new Map() });
let seed = 1;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

describe('pickTarget', () => {
  it('least outstanding: the target with the fewest requests per unit of weight', () => {
    const a = state('a', 1, 3);
    const b = state('b', 1, 1);
    const c = state('c', 4, 3); // 0.75 per unit of weight
    expect(pickTarget([a, b, c], all, 'least_outstanding', { tried: null, affinity: null }, rr(), random)).toBe(c);
  });

  it('round robin follows the weights exactly, interleaved', () => {
    const a = state('a', 3);
    const b = state('b', 1);
    const pos = rr();
    const picks = Array.from({ length: 8 }, () => pickTarget([a, b], all, 'round_robin', { tried: null, affinity: null }, pos, random)!.target.id);
    expect(picks.join('')).toBe('aaba' + 'aaba');
  });

  it('weighted random keeps the weights within a few percent', () => {
    const a = state('a', 3);
    const b = state('b', 1);
    let n = 0;
    for (let i = 0; i < 10_000; i++) if (pickTarget([a, b], all, 'weighted_random', { tried: null, affinity: null }, rr(), random) === a) n++;
    expect(n / 10_000).toBeGreaterThan(0.73);
    expect(n / 10_000).toBeLessThan(0.77);
  });

  it('prefers targets not tried yet, and reuses tried ones only when nothing else is left', () => {
    const a = state('a');
    const b = state('b', 1, 5);
    expect(pickTarget([a, b], all, 'least_outstanding', { tried: new Set([a]), affinity: null }, rr(), random)).toBe(b);
    expect(pickTarget([a, b], (s) => s === a, 'least_outstanding', { tried: new Set([a]), affinity: null }, rr(), random)).toBe(a);
    expect(pickTarget([a, b], () => false, 'least_outstanding', { tried: null, affinity: null }, rr(), random)).toBeNull();
  });

  it('affinity: a key keeps its target; dropping a target moves only the keys that were on it', () => {
    const targets = ['a', 'b', 'c', 'd'].map((id) => state(id));
    const before = new Map<string, string>();
    for (let i = 0; i < 400; i++) {
      const key = `user-${i}`;
      const first = pickTarget(targets, all, 'least_outstanding', { tried: null, affinity: key }, rr(), random)!;
      targets[0]!.inFlight = i; // load does not move a key
      expect(pickTarget(targets, all, 'least_outstanding', { tried: null, affinity: key }, rr(), random)).toBe(first);
      before.set(key, first.target.id);
    }
    const counts = [...before.values()].reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());
    for (const n of counts.values()) expect(n).toBeGreaterThan(60); // spread over all four
    const without = targets.filter((t) => t.target.id !== 'b');
    for (const [key, id] of before) {
      const now = pickTarget(without, all, 'least_outstanding', { tried: null, affinity: key }, rr(), random)!.target.id;
      if (id !== 'b') expect(now).toBe(id);
    }
  });
});
