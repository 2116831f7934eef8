import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createSyncedStore, createTimerScheduler, formatServeUsage, systemClock, type Capabilities } from '../../src/index.ts';
import type { GatewayHost } from '../../src/serving/host.ts';
import { createClusterHost } from './cluster-host.ts';
import { createHttpMetrics } from './http-metrics.ts';
import { listen } from './listen.ts';
import { processParts } from './process-parts.ts';
import { createProcessLauncher, nodeFileReader } from './process-launcher.ts';
import { createDockerEngine } from './docker-engine.ts';
import { createDocsAssets } from './docs-assets.ts';
import { createRedisCacheStore } from './redis-cache-store.ts';
import { createRedisStore } from './redis-store.ts';
import { createUndiciUpstream } from './undici-upstream.ts';
import { socketClientSignal } from './client-signal.ts';

export const nodeCapabilities: Capabilities = { runtime: 'node', limitStores: ['memory', 'redis'], cacheStores: ['memory', 'redis'], processes: true, containers: true };
/** config/models.yaml of the package: two levels up from adapters/node, one from the bundle in dist/. */
export const DEFAULT_CONFIG = [new URL('../../config/models.yaml', import.meta.url), new URL('../config/models.yaml', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((f) => existsSync(f)) ?? fileURLToPath(new URL('../../config/models.yaml', import.meta.url));

/** The gateway's runtime parts on Node: undici upstream, Redis limits, prom-client metrics, node:fs (config, GGUF headers, Swagger UI's files). */
export function createNodeHost(usage = formatServeUsage('modeltainer serve')): GatewayHost {
  return {
    runtime: `node ${process.version}`,
    capabilities: nodeCapabilities,
    env: process.env,
    defaultConfig: DEFAULT_CONFIG,
    usage,
    ...processParts,
    readText: (path) => readFile(path, 'utf8'),
    scheduler: createTimerScheduler((t) => (t as NodeJS.Timeout).unref()),
    upstream: createUndiciUpstream(),
    limitStore(snapshot, logger) {
      const { store, redis_url, sync_interval } = snapshot.rateLimits;
      if (store !== 'redis' || !redis_url) return undefined;
      const redis = createRedisStore(redis_url);
      if (sync_interval === 0) return redis;
      return createSyncedStore(redis, {
        intervalMs: sync_interval,
        clock: systemClock,
        onError: (err) => logger.log('error', { msg: 'rate limit store failed while syncing counts', error: String(err) }),
      });
    },
    cacheStore(snapshot, logger) {
      const { store, redis_url, prefix } = snapshot.cache;
      return store === 'redis' && redis_url ? createRedisCacheStore(redis_url, prefix, logger) : undefined;
    },
    httpMetrics: createHttpMetrics,
    launcher: createProcessLauncher(),
    containers: createDockerEngine(),
    files: nodeFileReader,
    docsAssets: createDocsAssets(),
    cluster: createClusterHost(),
    clientSignal: socketClientSignal,
    serve(fetch, options) {
      const guarded = (req: Request, env: unknown) => {
        const res = fetch(req, env);
        return res instanceof Promise ? res.catch(options.lastResort) : res;
      };
      return listen(guarded, options.port, options.hostname);
    },
  };
}
