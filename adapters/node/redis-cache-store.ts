import { decodeEntry, encodeEntry, type CacheStore, type Logger, type NamespaceUsage } from '../../src/index.ts';
import { GET_LUA, PURGE_LUA, SET_LUA, USAGE_LUA } from './redis-cache-scripts.ts';

type Script = (...numKeysKeysAndArgs: (string | number | Uint8Array)[]) => Promise<unknown>;
interface Scripts {
  mtCacheGetBuffer: Script;
  mtCacheSet: Script;
  mtCacheUsage: Script;
  mtCachePurge: Script;
}

/** How often a failing Redis is reported in the log. */
const REPORT_EVERY_MS = 60_000;
const FIRST_CONNECT_WAIT_MS = 2_000;
const COMMAND_TIMEOUT_MS = 2_000;

/**
 * The response cache in Redis, shared by every gateway replica that points at it: a hit on
 * one is a hit on all, and each namespace keeps one bound (entries, bytes; least recently
 * used first) across them. A Redis that fails answers misses and loses writes; it never
 * fails a request. ioredis is loaded only when a config asks for this store.
 */
export function createRedisCacheStore(url: string, prefix: string, logger: Logger): CacheStore & { close(): Promise<void> } {
  const connected = import('ioredis').then(({ Redis }) => {
    // no offline queue: while Redis is away a lookup fails at once (a miss) instead of holding the request
    const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: COMMAND_TIMEOUT_MS });
    redis.on('error', () => undefined); // reported per call, throttled
    redis.defineCommand('mtCacheGet', { lua: GET_LUA, numberOfKeys: 2 });
    redis.defineCommand('mtCacheSet', { lua: SET_LUA, numberOfKeys: 5 });
    redis.defineCommand('mtCacheUsage', { lua: USAGE_LUA, numberOfKeys: 3 });
    redis.defineCommand('mtCachePurge', { lua: PURGE_LUA, numberOfKeys: 4 });
    const scripts = redis as unknown as Scripts;
    // requests that arrive while the first connection is being made wait for it, briefly
    return new Promise<{ redis: typeof redis; scripts: Scripts }>((resolve) => {
      const timer = setTimeout(() => resolve({ redis, scripts }), FIRST_CONNECT_WAIT_MS);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve({ redis, scripts });
      });
    });
  });
  const known = new Map<string, NamespaceUsage>();
  let reported = -Infinity;
  const failed = (op: string) => (err: unknown) => {
    const now = Date.now();
    if (now - reported >= REPORT_EVERY_MS) {
      reported = now;
      logger.log('warn', { msg: `cache store: redis ${op} failed (answering misses until it is back)`, error: err instanceof Error ? err.message : String(err) });
    }
    throw err;
  };
  const k = {
    entries: (ns: string) => `${prefix}e:${ns}:`,
    index: (ns: string) => `${prefix}i:${ns}`,
    sizes: (ns: string) => `${prefix}s:${ns}`,
    total: (ns: string) => `${prefix}b:${ns}`,
    namespaces: `${prefix}ns`,
  };
  const namespaces = async (): Promise<string[]> => (await connected).redis.smembers(k.namespaces);

  return {
    kind: 'redis',
    async get(ns, key) {
      const { scripts } = await connected;
      const bytes = (await scripts.mtCacheGetBuffer(k.entries(ns) + key, k.index(ns), Date.now(), key).catch(failed('read'))) as Uint8Array | null;
      return bytes ? decodeEntry(bytes) : null;
    },
    async set(ns, key, entry, limits) {
      const { scripts } = await connected;
      const encoded = encodeEntry(entry);
      const value = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.length);
      if (value.length > limits.maxBytes) return [];
      const reply = (await scripts
        .mtCacheSet(k.entries(ns) + key, k.index(ns), k.sizes(ns), k.total(ns), k.namespaces, value, limits.ttlMs, Date.now(), key, limits.maxEntries, limits.maxBytes, k.entries(ns), ns)
        .catch(failed('write'))) as [number, number, number];
      known.set(ns, { entries: reply[1], bytes: reply[2] });
      return Array.from({ length: reply[0] }, () => ns);
    },
    async purge(only) {
      const { scripts } = await connected;
      let removed = 0;
      for (const ns of only ?? (await namespaces())) {
        removed += (await scripts.mtCachePurge(k.index(ns), k.sizes(ns), k.total(ns), k.namespaces, k.entries(ns), ns)) as number;
        known.delete(ns);
      }
      return removed;
    },
    async usage() {
      const { scripts } = await connected;
      const now = new Map<string, NamespaceUsage>();
      for (const ns of await namespaces()) {
        const [entries, bytes] = (await scripts.mtCacheUsage(k.index(ns), k.sizes(ns), k.total(ns), k.entries(ns))) as [number, number];
        now.set(ns, { entries, bytes });
      }
      known.clear();
      for (const [ns, u] of now) known.set(ns, u);
      return now;
    },
    known: () => known,
    async close() {
      (await connected).redis.disconnect();
    },
  };
}
