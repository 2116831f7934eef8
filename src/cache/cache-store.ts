import type { CacheEntry } from './cache-entry.ts';

/** A namespace's bounds, given with each write (they come from the model's config of the moment). */
export interface NamespaceLimits {
  ttlMs: number;
  maxEntries: number;
  maxBytes: number;
}

export interface NamespaceUsage {
  entries: number;
  bytes: number;
}

/**
 * Where cached responses live: in memory (default), Redis (Node, shared by replicas) or the
 * Workers Cache API. Entries are grouped by namespace (a model's, unless models share one);
 * `key` is the request's hash. A store that fails answers nothing (a miss), never an error.
 */
export interface CacheStore {
  readonly kind: 'memory' | 'redis' | 'cache_api';
  get(namespace: string, key: string): CacheEntry | null | Promise<CacheEntry | null>;
  /** Stores `entry`; resolves with the namespace of each entry evicted to make room. */
  set(namespace: string, key: string, entry: CacheEntry, limits: NamespaceLimits): readonly string[] | Promise<readonly string[]>;
  /** Removes every entry of these namespaces (null: of all); resolves with how many were removed, or null when the store cannot tell. */
  purge(namespaces: readonly string[] | null): number | null | Promise<number | null>;
  /** Entries and bytes per namespace, as exact as the store can say; empty when it cannot (the Cache API). */
  usage(): ReadonlyMap<string, NamespaceUsage> | Promise<ReadonlyMap<string, NamespaceUsage>>;
  /** What is known without asking anyone (for metrics at scrape time). */
  known(): ReadonlyMap<string, NamespaceUsage>;
  /** The memory store's bound over all namespaces. */
  readonly maxBytes?: number;
}

/** What a model's cache handle is given by the runtime. */
export interface CacheContext {
  store: CacheStore;
  /** An entry of `namespace` was evicted to make room (metrics). */
  onEvict(namespace: string): void;
}
