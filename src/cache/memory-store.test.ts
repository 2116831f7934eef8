import { describe, expect, it } from 'vitest';
import { entrySize, type CacheEntry } from './cache-entry.ts';
import { createMemoryCacheStore } from './memory-store.ts';

const body = (text: string): CacheEntry => ({ kind: 'body', body: text, status: 200, contentType: 'application/json', usage: null, model: 'm', storedAt: 0 });
const roomy = { ttlMs: 60_000, maxEntries: 100, maxBytes: 1_000_000 };

function store(maxBytes = 1_000_000) {
  const clock = { t: 0, now: () => clock.t };
  return { clock, store: createMemoryCacheStore({ maxBytes: () => maxBytes, clock }) };
}

describe('[node] memory cache store', () => {
  it('answers what was stored until its ttl passes (injected clock)', () => {
    const { clock, store: s } = store();
    s.set('a', 'k', body('x'), { ...roomy, ttlMs: 1000 });
    expect(s.get('a', 'k')).toMatchObject({ body: 'x' });
    expect(s.get('b', 'k')).toBeNull();
    clock.t = 999;
    expect(s.get('a', 'k')).not.toBeNull();
    clock.t = 1000;
    expect(s.get('a', 'k')).toBeNull();
    expect(s.known().size).toBe(0);
  });

  it('evicts the least recently used when a namespace is over its bytes, and says whose', () => {
    const { store: s } = store();
    const size = entrySize(body('0123456789'));
    const limits = { ...roomy, maxBytes: size * 3 };
    for (const k of ['a', 'b', 'c']) expect(s.set('ns', k, body('0123456789'), limits)).toEqual([]);
    s.get('ns', 'a'); // a is now more recent than b
    expect(s.set('ns', 'd', body('0123456789'), limits)).toEqual(['ns']);
    expect(s.get('ns', 'b')).toBeNull();
    for (const k of ['a', 'c', 'd']) expect(s.get('ns', k)).not.toBeNull();
    expect(s.known().get('ns')).toEqual({ entries: 3, bytes: size * 3 });
  });

  it('bounds entries per namespace and bytes over all namespaces', () => {
    const size = entrySize(body('x'));
    const { store: s } = store(size * 3);
    s.set('one', 'a', body('x'), { ...roomy, maxEntries: 1 });
    expect(s.set('one', 'b', body('x'), { ...roomy, maxEntries: 1 })).toEqual(['one']);
    s.set('two', 'a', body('x'), roomy);
    s.set('two', 'b', body('x'), roomy);
    // the global bound takes the least recently used of any namespace: one/b
    expect(s.set('two', 'c', body('x'), roomy)).toEqual(['one']);
    expect(s.get('one', 'b')).toBeNull();
    expect([...s.known().keys()]).toEqual(['two']);
  });

  it('never stores an entry bigger than its bounds, and replaces one under the same key', () => {
    const { store: s } = store();
    expect(s.set('ns', 'big', body('x'.repeat(2000)), { ...roomy, maxBytes: 1000 })).toEqual([]);
    expect(s.get('ns', 'big')).toBeNull();
    s.set('ns', 'k', body('first'), roomy);
    s.set('ns', 'k', body('second'), roomy);
    expect(s.get('ns', 'k')).toMatchObject({ body: 'second' });
    expect(s.known().get('ns')?.entries).toBe(1);
  });

  it('purges one namespace or all; usage drops expired entries', () => {
    const { clock, store: s } = store();
    s.set('a', '1', body('x'), roomy);
    s.set('a', '2', body('x'), { ...roomy, ttlMs: 10 });
    s.set('b', '1', body('x'), roomy);
    clock.t = 20;
    expect(s.usage()).toEqual(new Map([['a', { entries: 1, bytes: entrySize(body('x')) }], ['b', { entries: 1, bytes: entrySize(body('x')) }]]));
    expect(s.purge(['a'])).toBe(1);
    expect(s.get('b', '1')).not.toBeNull();
    expect(s.purge(null)).toBe(1);
    expect(s.known().size).toBe(0);
  });
});
