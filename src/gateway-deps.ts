import type { ConfigStore } from './config/config-store.ts';
import type { AssetReader, ClientSignal, ClusterPeers, Clock, ConfigSource, ContainerDriver, FileReader, HttpMetrics, Logger, ProcessLauncher, Scheduler, UpstreamFetch } from './deps.ts';
import type { CacheStore } from './cache/cache-store.ts';
import type { CounterStore } from './limits/counter-store.ts';
import type { GatewayMetrics } from './observability/gateway-metrics.ts';

/** Everything createApp is given: the ports of deps.ts plus the gateway's own stores. */
export interface GatewayDeps {
  config: ConfigStore;
  upstream: UpstreamFetch;
  logger: Logger;
  clock?: Clock;
  /** Background work; without one, targets are never probed actively (passive ejection still works). */
  scheduler?: Scheduler;
  /** Lets POST /admin/reload, SIGHUP and the file watcher read the config again. */
  configSource?: ConfigSource;
  /** Without a configSource: why the config cannot be reloaded here, and what to do instead. */
  noReload?: string;
  /** Shared counters for rate limits (Redis on Node); in-memory when absent. */
  limitStore?: CounterStore;
  /** Where cached responses live (Redis on Node, the Cache API on Workers); in memory when absent. */
  cacheStore?: CacheStore;
  /** The gateway's metrics; a fresh registry when absent. */
  metrics?: GatewayMetrics;
  httpMetrics?: HttpMetrics;
  random?: () => number;
  /** Starts model servers on demand (`launch`); absent where processes cannot be started. */
  launcher?: ProcessLauncher;
  /** Docker containers (`launch.docker`). */
  containers?: ContainerDriver;
  /** Reads GGUF headers for memory estimates. */
  files?: FileReader;
  /** Swagger UI's files for /docs; without them the page loads them from the CDN. */
  docsAssets?: AssetReader;
  /** The other workers, when this is one of several processes serving one port (Node's `serve --workers N`). */
  peers?: ClusterPeers;
  /**
   * The client of a request, from what the server handed the app beside it (Hono's `c.env`);
   * undefined: the Request's own AbortSignal. On Node that signal costs an AbortController and
   * an event listener per request, the socket's close does not.
   */
  clientSignal?: (env: unknown) => ClientSignal | undefined;
}
