import type { ModelCacheConfig } from '../config/cache-schema.ts';
import type { ModelEntry } from '../config/snapshot.ts';
import type { CacheEntry } from './cache-entry.ts';
import type { CacheContext } from './cache-store.ts';
import type { Flight } from './flight.ts';
import { hashKey, keyMaterial, type KeyInput } from './request-key.ts';
import { stableJson } from './stable-json.ts';

/**
 * A model's response cache as live state, held by its runtime (keyed by model name): its
 * settings, the version its keys carry, the requests on their way to the backend that
 * identical ones wait for, and its counters. A reload updates it in place; one that changes
 * the model's upstream name, targets or launch spec changes the version, so the entries
 * stored before are never answered again (they age out of the store).
 */
export class ModelCache {
  settings!: ModelCacheConfig;
  namespace = '';
  /** Short form of the version, for GET /admin/cache. */
  version = '';
  private versionText = '';
  /** Misses on their way to the backend, by key: identical requests wait for them. */
  readonly flights = new Map<string, Flight>();
  hits = 0;
  misses = 0;
  bypasses = 0;
  /** Hits answered by a request that was on its way (a subset of hits). */
  coalesced = 0;

  constructor(
    readonly model: string,
    readonly ctx: CacheContext,
  ) {}

  update(entry: ModelEntry, settings: ModelCacheConfig): this {
    this.settings = settings;
    this.namespace = settings.namespace ?? entry.name;
    this.versionText = versionOf(entry);
    this.version = fnv1a(this.versionText);
    return this;
  }

  /** The store key of a request: SHA-256 of what changes its answer. */
  key(input: Omit<KeyInput, 'namespace' | 'version'>): string {
    return hashKey(keyMaterial({ ...input, namespace: this.namespace, version: this.versionText }));
  }

  /** The stored answer, or null (also when the store fails: a miss, never an error). */
  async lookup(key: string): Promise<CacheEntry | null> {
    try {
      return await this.ctx.store.get(this.namespace, key);
    } catch {
      return null;
    }
  }

  /** Stores an answer; a store that fails loses it, nothing else. */
  async save(key: string, entry: CacheEntry): Promise<void> {
    const s = this.settings;
    try {
      const evicted = await this.ctx.store.set(this.namespace, key, entry, { ttlMs: s.ttl, maxEntries: s.max_entries, maxBytes: s.max_bytes });
      for (const ns of evicted) this.ctx.onEvict(ns);
    } catch {
      // the answer went to its client; only the copy is lost
    }
  }
}

/** The runtime's cache handle for `entry`: kept across reloads, created when the model starts caching, dropped when it stops. */
export function syncModelCache(current: ModelCache | null, entry: ModelEntry, ctx: CacheContext | undefined): ModelCache | null {
  const settings = entry.cache;
  if (!settings || !ctx) return null;
  return (current ?? new ModelCache(entry.name, ctx)).update(entry, settings);
}

/** What the answers depend on besides the request: the upstream model and where it runs. */
function versionOf(entry: ModelEntry): string {
  return stableJson({
    upstream: entry.upstreamModel,
    backend: entry.backend ?? null,
    targets: entry.targetConfigs.map((t) => t.url.replace(/\/+$/, '')).sort(),
    sim: entry.sim ?? null,
    launch: entry.launch ?? null,
  });
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
