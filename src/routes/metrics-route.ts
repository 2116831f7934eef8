import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { sha256Hex } from '../auth/api-keys.ts';
import { credentialOf, unauthorized } from '../auth/authenticator.ts';
import { errors } from '../errors/errors.ts';

/** GET /metrics in Prometheus text format; behind metrics.key_sha256, else auth.admin_key_sha256, when set. */
export function registerMetricsRoute(app: OpenAPIHono<AppEnv>, render: () => Promise<string>): void {
  app.get('/metrics', async (c) => {
    const cfg = c.var.snapshot.metrics;
    if (!cfg.enabled) throw errors.routeNotFound('GET', '/metrics');
    const key = cfg.key_sha256 ?? c.var.snapshot.auth?.admin_key_sha256;
    if (key) {
      const token = credentialOf(c.req.raw.headers);
      // comparing hex digests: timing reveals nothing about the key itself
      if (!token || (await sha256Hex(token)) !== key.toLowerCase()) throw unauthorized('The metrics endpoint needs its key.', 'invalid_api_key');
    }
    const body = await render();
    return c.body(body, 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
}
