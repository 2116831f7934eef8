import { describe, expect, it } from 'vitest';
import { place, type Candidate, type ServerView } from './placement.ts';

const GiB = 2 ** 30;
const server = (name: string, over: Partial<ServerView> = {}): ServerView => ({
  name,
  state: 'ready',
  device: '0',
  memory: 8 * GiB,
  busy: false,
  lastUsed: 0,
  readyAt: 0,
  groups: [],
  ...over,
});
const want = (over: Partial<Candidate> = {}): Candidate => ({ name: 'new', need: 8 * GiB, pinned: null, groups: [], waitingSince: 1000, ...over });
const gpu = [{ id: '0', memory: 24 * GiB }];

describe('place', () => {
  it('starts where memory is free; picks the device with room', () => {
    expect(place(want(), [server('a')], gpu, 0, 10_000, 1000)).toEqual({ kind: 'start', device: '0' });
    const two = [
      { id: '0', memory: 24 * GiB },
      { id: '1', memory: 24 * GiB },
    ];
    expect(place(want({ need: 20 * GiB }), [server('a')], two, 0, 10_000, 1000)).toEqual({ kind: 'start', device: '1' });
  });

  it('evicts idle servers least recently used first, only as many as needed', () => {
    const servers = [server('old', { lastUsed: 1 }), server('mid', { lastUsed: 2 }), server('new2', { lastUsed: 3 })];
    expect(place(want({ need: 10 * GiB }), servers, gpu, 0, 10_000, 1000)).toEqual({ kind: 'evict', device: '0', victims: ['old', 'mid'] });
  });

  it('max_loaded_models counts servers, asleep ones too', () => {
    const servers = [server('a', { lastUsed: 5, memory: 0, state: 'sleeping' }), server('b', { lastUsed: 9 })];
    expect(place(want(), servers, [{ id: null, memory: Infinity }], 2, 10_000, 1000)).toEqual({ kind: 'evict', device: null, victims: ['a'] });
  });

  it('exclusive group mates always go, even with memory to spare', () => {
    const servers = [server('mate', { groups: ['gpu'] }), server('other')];
    expect(place(want({ groups: ['gpu'] }), servers, gpu, 0, 10_000, 1000)).toEqual({ kind: 'evict', device: '0', victims: ['mate'] });
  });

  it('a busy server is only drained once the swap window has passed for both sides', () => {
    const busy = [server('busy', { busy: true, readyAt: 500, groups: ['g'] })];
    const c = want({ groups: ['g'], waitingSince: 1000 });
    expect(place(c, busy, gpu, 0, 10_000, 5000)).toEqual({ kind: 'wait', until: 11_000 });
    expect(place(c, busy, gpu, 0, 10_000, 11_000)).toEqual({ kind: 'evict', device: '0', victims: ['busy'] });
    // it became ready recently: it keeps the device for a whole window first
    expect(place(c, [server('busy', { busy: true, readyAt: 9000, groups: ['g'] })], gpu, 0, 10_000, 12_000)).toEqual({ kind: 'wait', until: 19_000 });
  });

  it('a model that can never fit says why, with both sizes', () => {
    expect(place(want({ need: 30 * GiB }), [], gpu, 0, 10_000, 0)).toEqual({ kind: 'never', why: 'it needs 30.0 GiB and the largest device (0) has 24.0 GiB' });
    expect(place(want({ need: 30 * GiB }), [], [{ id: null, memory: 16 * GiB }], 0, 10_000, 0)).toEqual({ kind: 'never', why: 'it needs 30.0 GiB and lifecycle.memory_budget is 16.0 GiB' });
    expect(place(want({ pinned: '1' }), [], gpu, 0, 10_000, 0)).toEqual({ kind: 'never', why: 'it needs 8.0 GiB and device 1 has no such device' });
  });

  it('asleep servers hold no device memory', () => {
    expect(place(want({ need: 20 * GiB }), [server('zzz', { state: 'sleeping', memory: 0 })], gpu, 0, 10_000, 0)).toEqual({ kind: 'start', device: '0' });
  });
});

describe('place: evicting no more than needed', () => {
  it('an old small server stays when evicting the big one alone makes room', () => {
    const servers = [server('small-old', { memory: 1 * GiB, lastUsed: 1 }), server('big', { memory: 6 * GiB, lastUsed: 2 })];
    expect(place(want({ need: 6 * GiB }), servers, [{ id: '0', memory: 10 * GiB }], 0, 10_000, 1000)).toEqual({ kind: 'evict', device: '0', victims: ['big'] });
  });
});

describe('place: a server still starting', () => {
  it('is not made to give way before it has served a window (as a starting server is shown: busy, ready now)', () => {
    const starting = server('b', { state: 'starting', busy: true, readyAt: 5000, groups: ['g'] });
    expect(place(want({ groups: ['g'], waitingSince: 0 }), [starting], gpu, 0, 1500, 5000)).toEqual({ kind: 'wait', until: 6500 });
  });
});
