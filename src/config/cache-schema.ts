import { z } from 'zod';
import { byteSize } from './byte-size.ts';
import { durationMs } from './duration.ts';

export const cacheStores = ['memory', 'redis', 'cache_api'] as const;
export type CacheStoreKind = (typeof cacheStores)[number];

const MiB = 2 ** 20;

/**
 * A model's response cache (opt-in): `cache: true` takes every default, `cache: false` or no
 * `cache` turns it off. See docs/cache.md.
 */
export const modelCacheSchema = z.preprocess(
  (v) => (v === true ? {} : v === false || v === null ? undefined : v),
  z
    .strictObject({
      /** How long an entry answers. */
      ttl: durationMs.refine((ms) => ms >= 1000, 'ttl must be at least 1s').default(3_600_000),
      /** Entries kept for this model (its namespace); the least recently used go first. */
      max_entries: z.number().int().positive().default(10_000),
      /** Bytes kept for this model (its namespace); the least recently used go first. */
      max_bytes: byteSize.default(64 * MiB),
      /** A larger answer is relayed but not stored. */
      max_entry_bytes: byteSize.default(4 * MiB),
      /** Only requests that give the same answer every time: temperature 0 or a seed, and n > 1 only with a seed. */
      only_deterministic: z.boolean().default(true),
      /** Each caller (key, JWT subject) has its own entries; false: callers of this model share them. */
      per_key: z.boolean().default(true),
      /** Models with the same namespace (and the same upstream model and targets) share entries; default the model's name. */
      namespace: z.string().min(1).optional(),
      /** Streams from the cache: as fast as the client reads (fast) or at the original gaps between chunks (paced). */
      replay: z.enum(['fast', 'paced']).default('fast'),
      /** Identical requests wait this long for one already on its way to the backend, then go themselves (0: never wait). */
      coalesce_timeout: durationMs.default(30_000),
    })
    .optional(),
);

/** The store every cached model shares; one per gateway (a change takes effect after a restart). */
export const cacheStoreSchema = z.strictObject({
  store: z.enum(cacheStores).default('memory'),
  redis_url: z.string().optional(),
  /** Key prefix in Redis, so several gateways or environments can share one server. */
  prefix: z.string().default('modeltainer:cache:'),
  /** The memory store's bound over all models. */
  max_bytes: byteSize.default(256 * MiB),
});

export type ModelCacheConfig = NonNullable<z.output<typeof modelCacheSchema>>;
export type CacheStoreConfig = z.output<typeof cacheStoreSchema>;
