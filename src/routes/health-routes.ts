import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import type { InFlight } from '../request/in-flight.ts';
import type { GatewayRuntime } from '../runtime/gateway-runtime.ts';
import { VERSION } from '../version.ts';
import { addRoute } from './add-route.ts';
import { healthRoute, readyRoute } from './route-specs.ts';

export interface HealthDeps {
  inFlight: InFlight;
  runtime: GatewayRuntime;
  now(): number;
}

/**
 * Liveness (the process answers, with the gateway's version) and readiness, from the same state that routes
 * requests: 503 while draining, or when no model has a target taking traffic (the
 * gateway could serve nothing); models without one are listed either way.
 */
export function registerHealthRoutes(app: OpenAPIHono<AppEnv>, deps: HealthDeps): void {
  addRoute(app, healthRoute, (c) => c.json({ status: 'ok', version: VERSION }));
  addRoute(app, readyRoute, (c) => {
    const snapshot = c.var.snapshot;
    if (deps.inFlight.draining) return c.json({ status: 'draining', models: snapshot.models.length, in_flight: deps.inFlight.count }, 503);
    const now = deps.now();
    const backed = snapshot.models.filter((m) => !m.split);
    // a launched model that is off starts when asked for: it counts as available unless it failed
    const available = (name: string) => {
      const rt = deps.runtime.get(name);
      if (!rt) return true;
      return rt.managed ? rt.managed.state !== 'failed' : rt.anyAvailable(now);
    };
    const unavailable = backed.filter((m) => !available(m.name)).map((m) => m.name);
    const status = backed.length > 0 && unavailable.length === backed.length ? 'unavailable' : 'ready';
    return c.json({ status, models: snapshot.models.length, unavailable_models: unavailable }, status === 'ready' ? 200 : 503);
  });
}
