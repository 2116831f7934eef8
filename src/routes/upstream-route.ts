import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { credentialOf } from '../auth/authenticator.ts';
import { authOff } from '../config/reloader.ts';
import type { ModelEntry } from '../config/snapshot.ts';
import type { Clock } from '../deps.ts';
import { errors } from '../errors/errors.ts';
import { describe } from '../proxy/attempt-target.ts';
import { upstreamPathUrl } from '../proxy/upstream-path.ts';
import type { GatewayRuntime } from '../runtime/gateway-runtime.ts';
import type { SnapshotServices } from '../snapshot-services.ts';
import type { ConfigSnapshot } from '../config/snapshot.ts';
import { isAdminKey } from './admin-routes.ts';
import { upstreamRoute } from './api-route-specs.ts';

export interface UpstreamRouteDeps {
  services: (snapshot: ConfigSnapshot) => SnapshotServices;
  runtime: GatewayRuntime;
  clock: Clock;
}

/** Client headers that describe the body or what it accepts; credentials and hop-by-hop headers stay behind. */
const PASSED = ['content-type', 'accept', 'accept-encoding'];
/** Response headers that describe the backend's connection, not its content. */
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/**
 * ANY /upstream/{model}/{path}: the model server's own endpoints (`/slots`, `/props`,
 * `/metrics`, `/is_sleeping`) through the gateway, on the target a request would use now.
 * An operator's window: it never starts a launched model and never queues, so a look at
 * `/slots` works while every slot is busy. The admin key, or with `upstream_access: keys`
 * any key allowed on the model.
 */
export function registerUpstreamRoute(app: OpenAPIHono<AppEnv>, deps: UpstreamRouteDeps): void {
  app.openAPIRegistry.registerPath(upstreamRoute);
  app.all('/upstream/:model/*', async (c) => {
    const snapshot = c.get('snapshot');
    const name = decodeURIComponent(c.req.param('model'));
    const entry = snapshot.byName.get(name);
    await checkAccess(c, deps, entry, name);
    if (!entry || entry.split) throw errors.modelNotFound(name);
    const log = c.get('log');
    log.model = entry.name;
    const url = new URL(c.req.url);
    const rest = url.pathname.slice(url.pathname.indexOf('/', '/upstream/'.length) + 1);
    const search = url.search;
    const rt = deps.runtime.model(entry);
    const now = deps.clock.now();
    const state = rt.states.filter((s) => s.available(now, entry.healthSettings.cooldown)).sort((a, b) => a.inFlight - b.inFlight)[0];
    if (!state) {
      const m = rt.managed;
      throw errors.noHealthyTarget(entry.name, m && m.state !== 'ready' ? `its server is ${m.state} (POST /admin/models/${entry.name}/start starts it)` : 'no target is up');
    }
    const target = state.target;
    const to = upstreamPathUrl(target.baseUrl, rest, search);
    const headers: Record<string, string> = { ...target.headers, 'x-request-id': c.get('requestId') };
    for (const h of PASSED) {
      const v = c.req.header(h);
      if (v !== undefined) headers[h] = v;
    }
    const method = c.req.method;
    const body = method === 'GET' || method === 'HEAD' ? undefined : new Uint8Array(await c.req.arrayBuffer());
    if (body && body.length > snapshot.server.max_body_bytes) throw errors.bodyTooLarge(snapshot.server.max_body_bytes);
    const scope = c.get('scope');
    scope.begin(entry.timeouts.total, entry.name);
    log.target = target.label;
    let res;
    try {
      res = await target.transport({ url: to, method, headers, body, signal: scope.signal, connectTimeoutMs: entry.timeouts.connect });
    } catch (cause) {
      throw scope.errorFor(scope.signal) ?? errors.backendUnreachable(target.label, describe(cause));
    }
    const out = new Headers({ 'x-modeltainer-target': target.label });
    for (const h of ['content-type', 'cache-control', 'location', 'retry-after', 'allow']) {
      const v = res.headers.get(h);
      if (v !== null && !HOP.has(h)) out.set(h, v);
    }
    return new Response(res.body, { status: res.status, headers: out });
  });
}

async function checkAccess(c: Context<AppEnv>, deps: UpstreamRouteDeps, entry: ModelEntry | undefined, name: string): Promise<void> {
  const snapshot = c.get('snapshot');
  if (authOff(snapshot) && !snapshot.auth?.admin_key_sha256) return;
  const token = credentialOf(c.req.raw.headers);
  if (await isAdminKey(token, snapshot.auth?.admin_key_sha256)) return;
  if (entry?.upstream_access !== 'keys') {
    if (!token) await deps.services(snapshot).authenticator.authenticate(c.req.raw.headers);
    throw errors.upstreamForbidden(name);
  }
  const principal = await deps.services(snapshot).authenticator.authenticate(c.req.raw.headers);
  c.set('principal', principal);
  c.get('log').key = principal.label;
  if (!(principal.mayUse(name) || principal.mayUse(entry.name))) throw errors.modelNotFound(name);
}
