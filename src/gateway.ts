import { buildApp, type GatewayHono } from './app.ts';
import { createMemoryCacheStore } from './cache/memory-store.ts';
import { createConfigReloader, authOff, type ConfigReloader, type ReloadResult } from './config/reloader.ts';
import type { PeerOp, Scheduler } from './deps.ts';
import type { GatewayDeps } from './gateway-deps.ts';
import { createMemoryStore } from './limits/memory-store.ts';
import { systemClock } from './observability/clock.ts';
import { createGatewayMetrics } from './observability/gateway-metrics.ts';
import { RecentRequests } from './observability/recent-requests.ts';
import { EventBus, type LifecycleEvent } from './lifecycle/events.ts';
import { LifecycleManager } from './lifecycle/lifecycle-manager.ts';
import { InFlight } from './request/in-flight.ts';
import { registerDocsAssetRoutes } from './routes/docs-assets.ts';
import { GatewayRuntime } from './runtime/gateway-runtime.ts';
import { createSnapshotServices } from './snapshot-services.ts';

/** The gateway: its Hono app plus the live parts a server drives (probes, reload, drain). */
export interface Gateway {
  readonly app: GatewayHono;
  readonly fetch: GatewayHono['fetch'];
  readonly runtime: GatewayRuntime;
  /** Null where the config cannot be reloaded in place (no `configSource`). */
  readonly reloader: ConfigReloader | null;
  readonly inFlight: InFlight;
  readonly lifecycle: LifecycleManager;
  /** Starts background work (health probes, idle sweep, preload) on the server's scheduler. */
  start(scheduler: Scheduler): void;
  /** Reads the config source again and applies it (SIGHUP, the file watcher). */
  reload(trigger: string): Promise<ReloadResult | null>;
  /** Stops taking requests (503, `/readyz` 503); resolves when those in flight have finished. */
  drain(): Promise<void>;
  /** Stops background work and every model server the gateway started. */
  stop(): Promise<void>;
  /** Applies what another worker did (a reload, a target registration). */
  applyPeerOp(op: PeerOp): Promise<void>;
  /** This worker's metrics text (GET /metrics gathers every worker's). */
  renderMetrics(): Promise<string>;
}

const NO_SOURCE = 'This gateway was started without a config file to read again.';

/**
 * Builds the gateway from its ports. Nothing runs in the background until `start`.
 *
 * @example
 * const gw = createGateway({ config: createConfigStore(parseConfig(text)), upstream: fetchUpstream, logger });
 * export default { fetch: gw.fetch };
 */
export function createGateway(deps: GatewayDeps, options: { initialConfigText?: string } = {}): Gateway {
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  const metrics = deps.metrics ?? createGatewayMetrics();
  const store = deps.limitStore ?? createMemoryStore();
  const services = createSnapshotServices(store, clock, deps.logger);
  const inFlight = new InFlight();
  const events = new EventBus<LifecycleEvent>();
  const lifecycle = new LifecycleManager({ config: deps.config, http: deps.upstream, clock, logger: deps.logger, metrics, events, launcher: deps.launcher, containers: deps.containers, files: deps.files });
  const cacheStore = deps.cacheStore ?? createMemoryCacheStore({ maxBytes: () => deps.config.current().cache.max_bytes, clock });
  const cache = { store: cacheStore, onEvict: (namespace: string) => metrics.cacheEvicted(namespace) };
  const runtime = new GatewayRuntime(deps.config.current(), { clock, logger: deps.logger, http: deps.upstream, random, lifecycle, cache });
  lifecycle.attach(runtime);
  deps.config.subscribe((next, _prev, diff) => runtime.apply(next, diff));
  const source = deps.configSource;
  const reloader = source
    ? createConfigReloader({ source, store: deps.config, logger: deps.logger, clock, initialText: options.initialConfigText, onResult: (r) => metrics.reloadEnded(r) })
    : null;
  metrics.observe(() => ({
    inFlight: inFlight.count,
    cache: cacheStore.known(),
    models: runtime.all().map((rt) => ({
      model: rt.name,
      ...(rt.managed ? { state: rt.managed.state } : {}),
      queued: rt.queued,
      targets: [...rt.states, ...rt.draining].map((s) => ({ backend: s.target.label, inFlight: s.inFlight, up: s.up })),
    })),
  }));
  if (authOff(deps.config.current())) {
    deps.logger.log('warn', { msg: 'AUTHENTICATION IS OFF (auth.mode none): anyone who can reach this gateway can use every model. Configure auth.keys or auth.jwt before exposing it.' });
  }
  const peers = deps.peers;
  // POST /admin/reload on one worker reloads them all (SIGHUP and the file watcher reach each)
  const sharedReloader: ConfigReloader | null =
    reloader && peers
      ? {
          status: () => reloader.status(),
          reload: async (trigger) => {
            const result = await reloader.reload(trigger);
            // answered once every worker serves the same config
            if (trigger === 'admin') await peers.broadcast({ op: 'reload', trigger });
            return result;
          },
        }
      : reloader;
  const renderMetrics = async () => metrics.render() + (deps.httpMetrics ? await deps.httpMetrics.render() : '');
  const app = buildApp({
    peers,
    renderMetrics,
    upstream: deps.upstream,
    config: deps.config,
    logger: deps.logger,
    clock,
    random,
    metrics,
    httpMetrics: deps.httpMetrics,
    services,
    runtime,
    reloader: sharedReloader,
    noReload: deps.noReload ?? NO_SOURCE,
    inFlight,
    lifecycle,
    events,
    recent: new RecentRequests(),
    clientSignal: deps.clientSignal,
  });
  registerDocsAssetRoutes(app, deps.docsAssets);
  let scheduler: Scheduler | null = null;
  return {
    app,
    fetch: app.fetch,
    runtime,
    reloader,
    inFlight,
    lifecycle,
    start(s) {
      scheduler = s;
      runtime.start(s);
      // launched models have one owner: worker 1 (the others hand their requests to it)
      if (!peers?.ownerUrl) lifecycle.start(s);
    },
    reload: (trigger) => (reloader ? reloader.reload(trigger) : Promise.resolve(null)),
    async applyPeerOp(op) {
      if (op.op === 'reload') await reloader?.reload(op.trigger);
      else if (op.op === 'register') {
        try {
          runtime.register(op.model, op.url, op.ttlMs, op.id);
        } catch (err) {
          // this worker's config no longer has the model (a reload in between): the next heartbeat says so
          deps.logger.log('warn', { msg: 'could not apply a registration from another worker', model: op.model, error: String(err) });
        }
      } else runtime.unregister(op.id);
    },
    renderMetrics,
    drain() {
      inFlight.draining = true;
      return inFlight.whenIdle();
    },
    async stop() {
      runtime.stop();
      await lifecycle.stopAll();
      scheduler?.stop();
    },
  };
}

/** The gateway's Hono app alone, for tests and embedding (`app.request`, `app.fetch`). */
export function createApp(deps: GatewayDeps): GatewayHono {
  return createGateway(deps).app;
}
