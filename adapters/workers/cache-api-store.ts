import { decodeEntry, encodeEntry, type CacheStore, type NamespaceUsage } from '../../src/index.ts';

/** The part of the Workers Cache API (`caches.default`) the store uses. */
export interface EdgeCache {
  match(url: string): Promise<Response | undefined>;
  put(url: string, response: Response): Promise<void>;
  delete(url: string): Promise<boolean>;
}

/** Where entries live in the Cache API: a URL per namespace and key, never fetched. */
const ORIGIN = 'https://modeltainer-cache.invalid/';
const NOTHING: ReadonlyMap<string, NamespaceUsage> = new Map();

/** The Workers runtime's default cache, or undefined off Workers. */
export function defaultEdgeCache(): EdgeCache | undefined {
  return (globalThis as { caches?: { default?: EdgeCache } }).caches?.default;
}

/**
 * The response cache in the Workers Cache API: entries are kept in the data centre that
 * stored them, for their ttl (`Cache-Control: max-age`), and evicted by Cloudflare, not by
 * the namespace's bounds. The Cache API cannot list what it holds: a purge removes the entries
 * this isolate stored (the rest expire with their ttl), and usage is unknown.
 */
export function createCacheApiStore(cache: EdgeCache): CacheStore {
  const stored = new Map<string, Set<string>>();
  const url = (ns: string, key: string) => `${ORIGIN}${encodeURIComponent(ns)}/${key}`;
  return {
    kind: 'cache_api',
    async get(ns, key) {
      const res = await cache.match(url(ns, key));
      return res ? decodeEntry(new Uint8Array(await res.arrayBuffer())) : null;
    },
    async set(ns, key, entry, limits) {
      const body = encodeEntry(entry);
      if (body.length > limits.maxBytes) return [];
      const headers = { 'content-type': 'application/octet-stream', 'cache-control': `max-age=${Math.ceil(limits.ttlMs / 1000)}` };
      await cache.put(url(ns, key), new Response(body, { headers }));
      let keys = stored.get(ns);
      if (!keys) stored.set(ns, (keys = new Set()));
      if (keys.size < limits.maxEntries) keys.add(key);
      return [];
    },
    async purge(namespaces) {
      for (const ns of namespaces ?? [...stored.keys()]) {
        await Promise.all([...(stored.get(ns) ?? [])].map((key) => cache.delete(url(ns, key))));
        stored.delete(ns);
      }
      return null;
    },
    usage: () => NOTHING,
    known: () => NOTHING,
  };
}
