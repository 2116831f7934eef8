import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from '../app-env.ts';
import type { ConfigSnapshot } from '../config/snapshot.ts';

/** CORS from the request's snapshot (off unless server.cors lists origins). */
export function corsFromConfig(): MiddlewareHandler<AppEnv> {
  const bySnapshot = new WeakMap<ConfigSnapshot, MiddlewareHandler | null>();
  // not async: a wrapper promise per request for nothing when CORS is off
  return (c, next) => {
    const snapshot = c.get('snapshot');
    let handler = bySnapshot.get(snapshot);
    if (handler === undefined) {
      const cfg = snapshot.server.cors;
      handler = cfg
        ? cors({
            origin: [...cfg.origins],
            allowMethods: ['GET', 'POST', 'OPTIONS'],
            allowHeaders: ['authorization', 'content-type', 'x-request-id', 'x-api-key'],
            exposeHeaders: ['x-request-id', 'x-modeltainer-model', 'retry-after', 'x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests', 'x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
            maxAge: cfg.max_age,
          })
        : null;
      bySnapshot.set(snapshot, handler);
    }
    return handler ? handler(c, next) : next();
  };
}
