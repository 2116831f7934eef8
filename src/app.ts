import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.ts';
import type { ConfigStore } from './config/config-store.ts';
import type { ConfigReloader } from './config/reloader.ts';
import type { ClientSignal, Clock, ClusterPeers, HttpMetrics, Logger, UpstreamFetch } from './deps.ts';
import { handOver, type Owner } from './cluster/relay-to-owner.ts';
import { mergeWorkerMetrics } from './cluster/merge-worker-metrics.ts';
import { errors } from './errors/errors.ts';
import { GatewayError } from './errors/gateway-error.ts';
import { errorFormatOf, toErrorResponse } from './errors/to-error-response.ts';
import { corsFromConfig } from './middleware/cors.ts';
import { addGatewayHeaders } from './middleware/gateway-headers.ts';
import { resolveRequestId } from './middleware/request-id.ts';
import type { GatewayMetrics } from './observability/gateway-metrics.ts';
import { endpoints } from './proxy/endpoints.ts';
import { createRequestLog, emitRequestLog, finishRequestLog, overheadMs } from './observability/request-log.ts';
import type { EventBus, LifecycleEvent } from './lifecycle/events.ts';
import type { LifecycleManager } from './lifecycle/lifecycle-manager.ts';
import type { RecentRequests } from './observability/recent-requests.ts';
import type { InFlight } from './request/in-flight.ts';
import { Deadlines } from './request/deadlines.ts';
import { RequestScope } from './request/request-scope.ts';
import { CachedRouter } from './routes/cached-router.ts';
import { registerAdminCacheRoutes } from './routes/admin-cache-routes.ts';
import { registerAdminModelsRoutes } from './routes/admin-models-routes.ts';
import { registerAdminRoutes } from './routes/admin-routes.ts';
import { registerAdminTargetsRoutes } from './routes/admin-targets-routes.ts';
import { registerHealthRoutes } from './routes/health-routes.ts';
import { unmatchedRoute } from './routes/known-routes.ts';
import { registerMetricsRoute } from './routes/metrics-route.ts';
import { registerModelsRoute } from './routes/models-route.ts';
import { registerOpenAPIRoutes } from './routes/openapi-document.ts';
import { registerProxyRoutes } from './routes/proxy-routes.ts';
import { registerUiRoutes } from './routes/ui-routes.ts';
import { registerUpstreamRoute } from './routes/upstream-route.ts';
import type { GatewayRuntime } from './runtime/gateway-runtime.ts';
import type { SnapshotServices } from './snapshot-services.ts';
import type { ConfigSnapshot } from './config/snapshot.ts';

export type GatewayHono = OpenAPIHono<AppEnv>;

/** What the app is wired from; createGateway builds these. */
export interface AppParts {
  config: ConfigStore;
  upstream: UpstreamFetch;
  /** The other workers (`serve --workers N`). */
  peers?: ClusterPeers;
  /** This worker's metrics text. */
  renderMetrics: () => Promise<string>;
  logger: Logger;
  clock: Clock;
  random: () => number;
  metrics: GatewayMetrics;
  httpMetrics?: HttpMetrics;
  services: (snapshot: ConfigSnapshot) => SnapshotServices;
  clientSignal?: (env: unknown) => ClientSignal | undefined;
  runtime: GatewayRuntime;
  reloader: ConfigReloader | null;
  noReload: string;
  inFlight: InFlight;
  lifecycle: LifecycleManager;
  events: EventBus<LifecycleEvent>;
  recent: RecentRequests;
}

/** Where callers present a key: the model-routed APIs, also under a path prefix (/upstream checks its own). */
const AUTHENTICATED = ['/v1/*', '/tokenize', '/detokenize', '/:prefix/v1/*', '/:prefix/tokenize', '/:prefix/detokenize'];

/** The model-routed paths (without a prefix): the access log and modeltainer_* metrics cover them. */
const MODEL_ROUTES: ReadonlySet<string> = new Set(Object.values(endpoints).map((e) => e.path));

/** Answered while draining, so probes and scrapes still see the gateway go. */
const WHILE_DRAINING = new Set(['/healthz', '/readyz', '/metrics']);

/** The Hono app: middleware (request id, snapshot, scope, log; CORS; auth) and every route. */
export function buildApp(p: AppParts): GatewayHono {
  const { clock, metrics, inFlight } = p;
  const app = new OpenAPIHono<AppEnv>({ router: new CachedRouter() });
  const deadlines = new Deadlines();

  if (p.httpMetrics) {
    const mw = p.httpMetrics.middleware;
    // the model routes are measured by model in the gateway's own metrics; a second histogram
    // on every proxied request cost ~5% of its CPU
    app.use('*', (c, next) => (!MODEL_ROUTES.has(c.req.path) && p.config.current().metrics.enabled ? mw(c, next) : next()));
  }
  app.use('*', async (c, next) => {
    const requestId = resolveRequestId(c.req.header('x-request-id'));
    if (inFlight.draining && !WHILE_DRAINING.has(c.req.path)) return toErrorResponse(errors.shuttingDown(), requestId, errorFormatOf(c.req.path));
    const log = createRequestLog(requestId, c.req.method, c.req.path);
    const started = clock.now();
    const snapshot = p.config.current();
    const scope = new RequestScope(p.clientSignal?.(c.env) ?? c.req.raw.signal, deadlines);
    c.set('requestId', requestId);
    c.set('startedAt', started);
    c.set('snapshot', snapshot);
    c.set('log', log);
    c.set('scope', scope);
    inFlight.enter();
    const recording = snapshot.metrics.enabled;
    scope.onEnd(() => {
      inFlight.leave();
      // handed to worker 1, which logs and counts it
      if (log.relayed) return;
      finishRequestLog(log, clock.now() - started);
      const wall = clock.wall();
      emitRequestLog(p.logger, log, wall);
      // the status page's log and charts: model-routed requests, not probes and scrapes
      if (log.model !== undefined || log.path.startsWith('/v1/')) p.recent.record(log, wall);
      if (recording) metrics.requestEnded(log);
    });
    try {
      await next();
    } finally {
      // a route that built its response complete has set overhead_ms already, to the value it sent
      log.overhead_ms ??= overheadMs(log, started, clock.now());
      addGatewayHeaders(c.res, requestId, log.overhead_ms);
      log.status ??= c.res.status;
      if (!scope.holding) scope.end();
      else if (recording && log.model && !log.relayed) {
        const model = log.model;
        metrics.streamStarted(model);
        scope.onEnd(() => metrics.streamEnded(model));
      }
    }
  });
  const peers = p.peers;
  const owner: Owner | null = peers?.ownerUrl ? { url: peers.ownerUrl, upstream: p.upstream, worker: peers.worker } : null;
  if (owner) {
    // launched models' state, and their servers' own endpoints, live in worker 1
    const relay: MiddlewareHandler<AppEnv> = async (c) => handOver(c, owner, c.req.method === 'GET' || c.req.method === 'HEAD' ? undefined : await c.req.text());
    for (const path of ['/admin/models', '/admin/models/*', '/admin/events', '/upstream/*']) app.use(path, relay);
  }
  app.use('*', corsFromConfig());
  // not async: with no auth or keys only the caller is known at once, and an async frame per request is not free
  const authenticate: MiddlewareHandler<AppEnv> = (c, next) => {
    const principal = p.services(c.get('snapshot')).authenticator.authenticate(c.req.raw.headers);
    if (principal instanceof Promise) {
      return principal.then((found) => {
        c.set('principal', found);
        return next();
      });
    }
    c.set('principal', principal);
    return next();
  };
  for (const path of AUTHENTICATED) app.use(path, authenticate);

  app.onError((err, c) => {
    const log = c.get('log');
    if (err instanceof GatewayError) {
      if (log) log.error_code = err.code ?? err.type;
    } else {
      p.logger.log('error', {
        msg: 'unhandled error',
        request_id: c.get('requestId'),
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        stack: err instanceof Error ? err.stack : undefined,
      });
      if (log) log.error_code = 'internal_error';
    }
    return toErrorResponse(err, c.get('requestId'), errorFormatOf(c.req.path));
  });

  registerHealthRoutes(app, { inFlight, runtime: p.runtime, now: () => clock.now() });
  registerModelsRoute(app, Math.floor(clock.wall() / 1000));
  registerProxyRoutes(app, { services: p.services, runtime: p.runtime, metrics, clock, random: p.random, owner });
  registerUpstreamRoute(app, { services: p.services, runtime: p.runtime, clock });
  registerAdminRoutes(app, { runtime: p.runtime, reloader: p.reloader, noReload: p.noReload, now: () => clock.now() });
  registerAdminTargetsRoutes(app, { runtime: p.runtime, clock, peers });
  registerAdminModelsRoutes(app, { runtime: p.runtime, lifecycle: p.lifecycle, events: p.events, recent: p.recent, clock });
  registerAdminCacheRoutes(app, { runtime: p.runtime });
  registerOpenAPIRoutes(app);
  registerUiRoutes(app);
  registerMetricsRoute(app, peers ? async () => mergeWorkerMetrics(await peers.collectMetrics()) : p.renderMetrics);

  const routes = new Map(app.routes.filter((r) => r.method !== 'ALL').map((r) => [r.path, r.method]));
  app.notFound((c) => toErrorResponse(unmatchedRoute(routes, c.req.method, c.req.path), c.get('requestId'), errorFormatOf(c.req.path)));
  return app;
}
