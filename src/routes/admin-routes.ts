import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { sha256Hex } from '../auth/api-keys.ts';
import { credentialOf, unauthorized } from '../auth/authenticator.ts';
import { authOff, type ConfigReloader } from '../config/reloader.ts';
import { errors } from '../errors/errors.ts';
import type { GatewayRuntime } from '../runtime/gateway-runtime.ts';
import { addRoute } from './add-route.ts';
import { adminConfigRoute, adminQueueRoute, adminReloadRoute } from './admin-specs.ts';

export interface AdminDeps {
  runtime: GatewayRuntime;
  /** Absent where the config cannot be reloaded in place; `noReload` says what to do instead. */
  reloader: ConfigReloader | null;
  noReload: string;
  now(): number;
}

/**
 * GET /admin/config, POST /admin/reload, GET /admin/queue behind `auth.admin_key_sha256`.
 * Without an admin key they are open only while authentication is off as a whole.
 */
export function registerAdminRoutes(app: OpenAPIHono<AppEnv>, deps: AdminDeps): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminKey', { type: 'http', scheme: 'bearer', description: 'The key whose SHA-256 is auth.admin_key_sha256' });

  addRoute(app, adminConfigRoute, async (c) => {
    await requireAdmin(c);
    if (!deps.reloader) return c.json({ source: c.var.snapshot.source, hash: '', loaded_at: '', last_reload: null, last_error: null, pending_restart: [] });
    return c.json(await deps.reloader.status());
  });

  addRoute(app, adminReloadRoute, async (c) => {
    await requireAdmin(c);
    if (!deps.reloader) throw errors.reloadUnavailable(deps.noReload);
    const r = await deps.reloader.reload('admin');
    if (r.result === 'error') throw errors.invalidConfig(`The config was not applied; the previous one keeps serving. ${r.error ?? ''}`.trim());
    return c.json({ result: r.result, hash: r.hash, ...(r.diff ? { diff: r.diff } : {}), pending_restart: r.pendingRestart });
  });

  addRoute(app, adminQueueRoute, async (c) => {
    await requireAdmin(c);
    const now = deps.now();
    const models = deps.runtime.all().map((rt) => {
      const { byPriority, oldestSince } = rt.queueSummary();
      const targets = [...rt.states, ...rt.draining].map((s) => ({
        target: s.target.label,
        in_flight: s.inFlight,
        max_concurrent: s.target.maxConcurrent ?? null,
        weight: s.target.weight,
        health: s.health,
        breaker: s.breaker.state,
        consecutive_failures: s.breaker.failures,
        sent: s.sent,
        failed: s.failed,
        draining: s.retired,
      }));
      return {
        model: rt.name,
        in_flight: rt.inFlight,
        max_concurrent: rt.entry.max_concurrent ?? null,
        queued: rt.queued,
        max_queue: rt.entry.max_queue,
        by_priority: Object.fromEntries([...byPriority].map(([p, n]) => [String(p), n])),
        oldest_wait_ms: oldestSince === null ? null : Math.round(now - oldestSince),
        targets,
      };
    });
    return c.json({ models });
  });
}

export async function requireAdmin(c: Context<AppEnv>): Promise<void> {
  const snapshot = c.var.snapshot;
  const key = snapshot.auth?.admin_key_sha256;
  if (!key) {
    if (authOff(snapshot)) return;
    throw errors.adminKeyRequired();
  }
  if (!(await isAdminKey(credentialOf(c.req.raw.headers), key))) throw unauthorized('The admin routes need the admin key.', 'invalid_api_key');
}

/** Whether `token` is the key whose SHA-256 is `adminKeySha256`. */
export async function isAdminKey(token: string | null, adminKeySha256: string | undefined): Promise<boolean> {
  // comparing hex digests: timing reveals nothing about the key itself
  return token !== null && adminKeySha256 !== undefined && (await sha256Hex(token)) === adminKeySha256.toLowerCase();
}
