import type { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import type { ClusterPeers } from '../deps.ts';
import { durationMs } from '../config/duration.ts';
import type { Clock } from '../deps.ts';
import { errors } from '../errors/errors.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { readJsonBody } from '../middleware/read-json-body.ts';
import type { GatewayRuntime } from '../runtime/gateway-runtime.ts';
import type { Registration } from '../runtime/target-registry.ts';
import { validateBody } from '../schemas/validate-body.ts';
import { addRoute } from './add-route.ts';
import { requireAdmin } from './admin-routes.ts';
import { adminDeleteTargetRoute, adminListTargetsRoute, adminRegisterTargetRoute, registerTargetBody } from './admin-targets-specs.ts';

export interface AdminTargetsDeps {
  runtime: GatewayRuntime;
  clock: Clock;
  /** Other workers of the same gateway: each keeps the same registrations. */
  peers?: ClusterPeers;
}

const DEFAULT_TTL_MS = 30_000;

/** POST /admin/targets (register or heartbeat), GET /admin/targets, DELETE /admin/targets/{id}; admin key. */
export function registerAdminTargetsRoutes(app: OpenAPIHono<AppEnv>, deps: AdminTargetsDeps): void {
  const view = (r: Registration) => ({
    id: r.id,
    model: r.model,
    url: r.url,
    ttl_ms: r.ttlMs,
    expires_at: new Date(deps.clock.wall() + (r.expiresAt - deps.clock.now())).toISOString(),
  });

  addRoute(app, adminRegisterTargetRoute, async (c) => {
    await requireAdmin(c);
    const snapshot = c.get('snapshot');
    const body = validateBody(registerTargetBody, await readJsonBody(c.req.raw, snapshot.server.max_body_bytes, snapshot.server.max_json_depth));
    const { registration, created } = deps.runtime.register(body.model, body.url, ttlMs(body.ttl));
    await deps.peers?.broadcast({ op: 'register', id: registration.id, model: registration.model, url: registration.url, ttlMs: registration.ttlMs });
    return c.json(view(registration), created ? 201 : 200);
  });

  addRoute(app, adminListTargetsRoute, async (c) => {
    await requireAdmin(c);
    return c.json({ targets: deps.runtime.registry.list().map(view) });
  });

  addRoute(app, adminDeleteTargetRoute, async (c) => {
    await requireAdmin(c);
    const id = c.req.param('id') ?? '';
    const removed = deps.runtime.unregister(id);
    if (removed) await deps.peers?.broadcast({ op: 'unregister', id });
    if (!removed) throw new GatewayError({ status: 404, message: `No registered target ${id} (it may have expired).`, param: 'id', code: 'target_not_found' });
    return c.json({ id, removed: true as const });
  });
}

function ttlMs(ttl: z.infer<typeof registerTargetBody>['ttl']): number {
  if (ttl === undefined) return DEFAULT_TTL_MS;
  const ms = typeof ttl === 'number' ? Math.round(ttl * 1000) : durationMs.safeParse(ttl).data;
  if (ms === undefined || ms < 1000) throw errors.invalidField('ttl', `Invalid ttl ${JSON.stringify(ttl)}: give seconds (a number) or a duration such as 30s, at least 1s.`);
  return ms;
}
