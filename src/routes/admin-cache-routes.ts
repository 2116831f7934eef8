import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { GatewayRuntime } from '../runtime/gateway-runtime.ts';
import { addRoute } from './add-route.ts';
import { adminCacheRoute, adminPurgeCacheRoute } from './admin-cache-specs.ts';
import { requireAdmin } from './admin-routes.ts';

/** GET /admin/cache (what it holds, per model its counters) and DELETE /admin/cache[?model=] (purge); admin key. */
export function registerAdminCacheRoutes(app: OpenAPIHono<AppEnv>, deps: { runtime: GatewayRuntime }): void {
  addRoute(app, adminCacheRoute, async (c) => {
    await requireAdmin(c);
    const store = deps.runtime.cacheStore;
    const usage = store ? await store.usage() : new Map();
    const models = deps.runtime.all().flatMap((rt) => {
      const cache = rt.cache;
      if (!cache || rt.retired) return [];
      const s = cache.settings;
      return [{
        model: rt.name,
        namespace: cache.namespace,
        version: cache.version,
        ttl_ms: s.ttl,
        max_entries: s.max_entries,
        max_bytes: s.max_bytes,
        per_key: s.per_key,
        replay: s.replay,
        hits: cache.hits,
        misses: cache.misses,
        bypasses: cache.bypasses,
        coalesced: cache.coalesced,
        in_flight: cache.flights.size,
      }];
    });
    return c.json({
      store: store?.kind ?? 'memory',
      max_bytes: store?.maxBytes ?? null,
      namespaces: [...usage].map(([namespace, u]) => ({ namespace, entries: u.entries, bytes: u.bytes })),
      models,
    });
  });

  addRoute(app, adminPurgeCacheRoute, async (c) => {
    await requireAdmin(c);
    const store = deps.runtime.cacheStore;
    const model = c.req.query('model');
    let namespaces: string[] | null = null;
    if (model !== undefined) {
      const cache = deps.runtime.get(model)?.cache;
      if (!cache) throw new GatewayError({ status: 404, message: `No model named ${model} caches its responses.`, param: 'model', code: 'model_not_found' });
      namespaces = [cache.namespace];
    }
    const purged = store ? await store.purge(namespaces) : 0;
    return c.json({ purged, namespaces });
  });
}
