import { createRoute, z } from '@hono/zod-openapi';
import { errorResponse } from '../schemas/openai-responses.ts';
import { adminErrors, json, security } from './admin-specs.ts';

const namespaceUsage = z.object({ namespace: z.string(), entries: z.number().int(), bytes: z.number().int() });

const modelCacheState = z.object({
  model: z.string(),
  namespace: z.string().openapi({ description: 'Models with the same namespace (and upstream model and targets) share entries' }),
  version: z.string().openapi({ description: 'Changes with the upstream model, targets or launch spec: older entries are not answered', example: '9f1c2a7b' }),
  ttl_ms: z.number().int(),
  max_entries: z.number().int(),
  max_bytes: z.number().int(),
  per_key: z.boolean(),
  replay: z.enum(['fast', 'paced']),
  hits: z.number().int().openapi({ description: 'Since this gateway started (coalesced included)' }),
  misses: z.number().int(),
  bypasses: z.number().int(),
  coalesced: z.number().int().openapi({ description: 'Hits answered by an identical request that was on its way to the backend' }),
  in_flight: z.number().int().openapi({ description: 'Misses on their way to the backend that identical requests wait for' }),
});

const cacheState = z
  .object({
    store: z.enum(['memory', 'redis', 'cache_api']),
    max_bytes: z.number().int().nullable().openapi({ description: 'The memory store’s bound over all models (null for the other stores)' }),
    namespaces: z.array(namespaceUsage).openapi({ description: 'What the store holds (the Workers Cache API cannot list its entries: empty)' }),
    models: z.array(modelCacheState),
  })
  .openapi('CacheState');

export const adminCacheRoute = createRoute({
  method: 'get',
  path: '/admin/cache',
  operationId: 'getCacheState',
  tags: ['Admin'],
  summary: 'The response cache: what the store holds per namespace, and per caching model its settings, version, hits, misses, bypasses and coalesced hits',
  security,
  responses: { 200: json('Cache state', cacheState), ...adminErrors },
});

export const adminPurgeCacheRoute = createRoute({
  method: 'delete',
  path: '/admin/cache',
  operationId: 'purgeCache',
  tags: ['Admin'],
  summary: 'Removes cached responses: of one model (its namespace) with ?model=, else all',
  security,
  request: { query: z.object({ model: z.string().optional().openapi({ param: { name: 'model', in: 'query' }, example: 'qwen' }) }) },
  responses: {
    200: json('Removed', z.object({ purged: z.number().int().nullable().openapi({ description: 'Entries removed (null: the store cannot tell)' }), namespaces: z.array(z.string()).nullable() })),
    404: json('No model of that name caches', errorResponse),
    ...adminErrors,
  },
});
