import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './app-env.ts';
import type { GatewayDeps } from './deps.ts';
import { GatewayError } from './errors/gateway-error.ts';
import { toErrorResponse } from './errors/to-error-response.ts';
import { createMemoryStore } from './limits/memory-store.ts';
import { createRateLimiter } from './limits/rate-limiter.ts';
import { corsFromConfig } from './middleware/cors.ts';
import { resolveRequestId } from './middleware/request-id.ts';
import { addGatewayHeaders } from './middleware/gateway-headers.ts';
import { systemClock } from './observability/clock.ts';
import { probeBackends } from './observability/backend-health.ts';
import { createGatewayMetrics } from './observability/gateway-metrics.ts';
import { createRequestLog, emitRequestLog, finishRequestLog, round } from './observability/request-log.ts';
import { registerHealthRoutes } from './routes/health-routes.ts';
import { unmatchedRoute } from './routes/known-routes.ts';
import { registerMetricsRoute } from './routes/metrics-route.ts';
import { registerModelsRoute } from './routes/models-route.ts';
import { registerOpenAPIRoutes } from './routes/openapi-document.ts';
import { registerProxyRoutes } from './routes/proxy-routes.ts';
import { createSnapshotServices } from './snapshot-services.ts';

/**
 * Builds the gateway: a Hono app on web-standard APIs only. Adapters call it with
 * their runtime's dependencies and serve `app.fetch`.
 *
 * @example
 * const app = createApp({ config: createConfigStore(parseConfig(text)), upstream: fetchUpstream, logger });
 * export default { fetch: app.fetch };
 */
export type GatewayApp = OpenAPIHono<AppEnv> & {
  /** Probes every backend's health endpoint once (modeltainer_backend_up); adapters call it on a timer. */
  probeBackends(): Promise<void>;
};

export function createApp(deps: GatewayDeps): GatewayApp {
  const clock = deps.clock ?? systemClock;
  const metrics = deps.metrics ?? createGatewayMetrics();
  const services = createSnapshotServices(deps.upstream);
  const store = deps.limitStore ?? createMemoryStore();
  const app = new OpenAPIHono<AppEnv>();
  if (services(deps.config.current()).authenticator.mode === 'none') {
    deps.logger.log('warn', { msg: 'AUTHENTICATION IS OFF (auth.mode none): anyone who can reach this gateway can use every model. Configure auth.keys or auth.jwt before exposing it.' });
  }

  if (deps.httpMetrics) app.use('*', deps.httpMetrics.middleware);
  app.use('*', async (c, next) => {
    const requestId = resolveRequestId(c.req.header('x-request-id'));
    const log = createRequestLog(requestId, c.req.method, c.req.path);
    const started = clock.now();
    c.set('requestId', requestId);
    c.set('startedAt', started);
    c.set('snapshot', deps.config.current());
    c.set('log', log);
    await next();
    // a route that built its response complete has set overhead_ms already, to the value it sent
    log.overhead_ms ??= round(clock.now() - started - (log.upstream_ms ?? 0));
    addGatewayHeaders(c.res, requestId, log.overhead_ms);
    log.status ??= c.res.status;
    const recording = c.var.snapshot.metrics.enabled;
    const emit = () => {
      finishRequestLog(log, clock.now() - started);
      emitRequestLog(deps.logger, log, clock.wall());
      if (recording) metrics.requestEnded(log);
    };
    if (log.done && log.model) {
      const model = log.model;
      if (recording) metrics.streamStarted(model);
      void log.done.then(() => {
        if (recording) metrics.streamEnded(model);
        emit();
      });
    } else emit();
  });
  app.use('*', corsFromConfig());
  app.use('/v1/*', async (c, next) => {
    c.set('principal', await services(c.var.snapshot).authenticator.authenticate(c.req.raw.headers));
    await next();
  });

  app.onError((err, c) => {
    const log = c.get('log');
    if (err instanceof GatewayError) {
      if (log) log.error_code = err.code ?? err.type;
    } else {
      deps.logger.log('error', {
        msg: 'unhandled error',
        request_id: c.get('requestId'),
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        stack: err instanceof Error ? err.stack : undefined,
      });
      if (log) log.error_code = 'internal_error';
    }
    return toErrorResponse(err, c.get('requestId'));
  });

  registerHealthRoutes(app);
  registerModelsRoute(app, Math.floor(clock.wall() / 1000));
  const limiter = createRateLimiter(store, clock, deps.logger, deps.config.current().rateLimits.prefix);
  registerProxyRoutes(app, { services, limiter, clock });
  registerOpenAPIRoutes(app);
  registerMetricsRoute(app, metrics, deps.httpMetrics?.render);

  const routes = new Map(app.routes.filter((r) => r.method !== 'ALL').map((r) => [r.path, r.method]));
  app.notFound((c) => toErrorResponse(unmatchedRoute(routes, c.req.method, c.req.path), c.get('requestId')));
  return Object.assign(app, {
    probeBackends: () => {
      const snapshot = deps.config.current();
      return probeBackends(snapshot, services(snapshot).transportFor, metrics);
    },
  });
}
