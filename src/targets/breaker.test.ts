import { describe, expect, it } from 'vitest';
import { Breaker } from './breaker.ts';

describe('Breaker', () => {
  it('opens after eject_after consecutive failures, not after failures interleaved with successes', () => {
    const b = new Breaker();
    b.failure(0, 3);
    b.failure(0, 3);
    b.success();
    b.failure(0, 3);
    b.failure(0, 3);
    expect(b.state).toBe('closed');
    b.failure(0, 3);
    expect(b.state).toBe('open');
    expect(b.allows(500, 1000)).toBe(false);
  });

  it('lets exactly one trial through after the cooldown; success closes, failure reopens with a longer cooldown', () => {
    const b = new Breaker();
    b.failure(0, 1);
    expect(b.allows(999, 1000)).toBe(false);
    expect(b.allows(1000, 1000)).toBe(true);
    b.dispatched();
    expect(b.state).toBe('half_open');
    expect(b.allows(1001, 1000)).toBe(false); // the trial is in flight
    b.failure(1500, 1);
    expect(b.state).toBe('open');
    expect(b.allows(3000, 1000)).toBe(false); // doubled: open until 3500
    expect(b.allows(3500, 1000)).toBe(true);
    b.dispatched();
    b.success();
    expect(b.state).toBe('closed');
    expect(b.failures).toBe(0);
  });

  it('a trial without a verdict (client gone) frees the trial slot; a recovered probe ends the cooldown early', () => {
    const b = new Breaker();
    b.failure(0, 1);
    b.probeRecovered();
    expect(b.state).toBe('half_open');
    expect(b.allows(1, 60_000)).toBe(true);
    b.dispatched();
    expect(b.allows(2, 60_000)).toBe(false);
    b.neutral();
    expect(b.allows(3, 60_000)).toBe(true);
  });
});
