import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp, createConfigStore, createSyncedStore, systemClock, type ConfigSnapshot, type Logger } from '../../src/index.ts';
import { createJsonLogger } from './json-logger.ts';
import { createHttpMetrics } from './http-metrics.ts';
import { createRedisStore } from './redis-store.ts';
import { createUndiciUpstream } from './undici-upstream.ts';

export interface ServeOptions {
  snapshot: ConfigSnapshot;
  port?: number;
  host?: string;
  logger?: Logger;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves the gateway on Node.
 *
 * @example
 * const gw = await serveGateway({ snapshot: await loadConfigFile('config/models.yaml'), port: 8081 });
 */
export async function serveGateway(options: ServeOptions): Promise<RunningServer> {
  const upstream = createUndiciUpstream();
  const { store, redis_url, sync_interval } = options.snapshot.rateLimits;
  const logger = options.logger ?? createJsonLogger();
  const redis = store === 'redis' && redis_url ? createRedisStore(redis_url) : undefined;
  const limitStore =
    redis && sync_interval > 0
      ? createSyncedStore(redis, {
          intervalMs: sync_interval,
          clock: systemClock,
          onError: (err) => logger.log('error', { msg: 'rate limit store failed while syncing counts', error: String(err) }),
        })
      : redis;
  const metricsOn = options.snapshot.metrics.enabled;
  const app = createApp({
    config: createConfigStore(options.snapshot),
    upstream,
    logger,
    limitStore,
    httpMetrics: metricsOn ? createHttpMetrics() : undefined,
  });
  const server = await listen(app.fetch, options.port ?? 8081, options.host ?? '127.0.0.1');
  const probe = () => void app.probeBackends();
  const probing = metricsOn ? setInterval(probe, options.snapshot.metrics.health_interval) : undefined;
  probing?.unref();
  if (metricsOn) probe();
  return {
    ...server,
    close: async () => {
      clearInterval(probing);
      await server.close();
      await upstream.close();
      await limitStore?.close();
    },
  };
}

/** Listens with @hono/node-server and resolves once the port is bound. */
export function listen(fetch: (req: Request) => Response | Promise<Response>, port: number, host: string): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    const server: ServerType = serve({ fetch, port, hostname: host }, (info: AddressInfo) => {
      server.off('error', onError);
      // Long generations must not be cut by Node's request timeouts.
      Object.assign(server, { requestTimeout: 0, headersTimeout: 60_000 });
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shownHost}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
    server.on('error', onError);
  });
}
