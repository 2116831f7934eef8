import type { Clock } from '../deps.ts';
import { entrySize, type CacheEntry } from './cache-entry.ts';
import type { CacheStore, NamespaceLimits, NamespaceUsage } from './cache-store.ts';

interface Slot {
  namespace: string;
  id: string;
  entry: CacheEntry;
  size: number;
  expiresAt: number;
}

interface Group {
  /** least recently used first */
  slots: Map<string, Slot>;
  bytes: number;
}

export interface MemoryCacheOptions {
  /** The bound over all namespaces, read at each write (a reload may change it). */
  maxBytes: () => number;
  clock: Pick<Clock, 'now'>;
}

/**
 * The default store: a least-recently-used map bounded by bytes, over all namespaces and per
 * namespace (its own bytes and entry count). A Map keeps insertion order, so a read that
 * moves an entry to the end keeps the least recently used first. Expired entries are dropped
 * when read (or counted).
 *
 * @example
 * const store = createMemoryCacheStore({ maxBytes: () => 256 * 2 ** 20, clock: systemClock });
 */
export function createMemoryCacheStore(options: MemoryCacheOptions): CacheStore {
  const all = new Map<string, Slot>();
  const groups = new Map<string, Group>();
  let bytes = 0;

  const remove = (slot: Slot) => {
    all.delete(slot.id);
    const group = groups.get(slot.namespace);
    if (!group) return;
    group.slots.delete(slot.id);
    group.bytes -= slot.size;
    bytes -= slot.size;
    if (group.slots.size === 0) groups.delete(slot.namespace);
  };
  const idOf = (namespace: string, key: string) => `${namespace}\n${key}`;
  const sweep = () => {
    const now = options.clock.now();
    for (const slot of all.values()) if (slot.expiresAt <= now) remove(slot);
  };

  return {
    kind: 'memory',
    get maxBytes() {
      return options.maxBytes();
    },
    get(namespace, key) {
      const id = idOf(namespace, key);
      const slot = all.get(id);
      if (!slot) return null;
      if (slot.expiresAt <= options.clock.now()) {
        remove(slot);
        return null;
      }
      // most recently used: to the end of both orders
      all.delete(id);
      all.set(id, slot);
      const group = groups.get(namespace)!;
      group.slots.delete(id);
      group.slots.set(id, slot);
      return slot.entry;
    },
    set(namespace, key, entry, limits: NamespaceLimits) {
      const size = entrySize(entry);
      const max = options.maxBytes();
      if (size > limits.maxBytes || size > max) return [];
      const id = idOf(namespace, key);
      const old = all.get(id);
      if (old) remove(old);
      const slot: Slot = { namespace, id, entry, size, expiresAt: options.clock.now() + limits.ttlMs };
      let group = groups.get(namespace);
      if (!group) groups.set(namespace, (group = { slots: new Map(), bytes: 0 }));
      group.slots.set(id, slot);
      group.bytes += size;
      all.set(id, slot);
      bytes += size;
      const evicted: string[] = [];
      const evict = (victim: Slot) => {
        if (victim.expiresAt > options.clock.now()) evicted.push(victim.namespace);
        remove(victim);
      };
      while (group.slots.size > limits.maxEntries || group.bytes > limits.maxBytes) evict(group.slots.values().next().value!);
      while (bytes > max) evict(all.values().next().value!);
      return evicted;
    },
    purge(namespaces) {
      const before = all.size;
      if (namespaces === null) {
        all.clear();
        groups.clear();
        bytes = 0;
        return before;
      }
      for (const ns of namespaces) for (const slot of [...(groups.get(ns)?.slots.values() ?? [])]) remove(slot);
      return before - all.size;
    },
    usage() {
      sweep();
      return known();
    },
    known,
  };

  function known(): ReadonlyMap<string, NamespaceUsage> {
    return new Map([...groups].map(([ns, g]) => [ns, { entries: g.slots.size, bytes: g.bytes }]));
  }
}
