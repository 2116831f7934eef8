import { formatServeUsageError, parseServeArgs, UsageError } from '../cli/parse-serve-args.ts';
import { ConfigError } from '../config/config-error.ts';
import { createConfigStore } from '../config/config-store.ts';
import { parseConfig } from '../config/parse-config.ts';
import { createGateway, type Gateway } from '../gateway.ts';
import { createJsonLogger } from '../observability/json-logger.ts';
import { describeError, lastResort, listeningUrl, type GatewayHost } from './host.ts';
import { createShutdown } from './shutdown.ts';

export interface RunningGateway {
  url: string;
  port: number;
  gateway: Gateway;
}

/** Quiet time after the last file event before the config is read again (editors write in bursts). */
const WATCH_DEBOUNCE_MS = 150;

/**
 * Serves the gateway on a runtime: parses the flags, loads and validates the config,
 * listens, and wires what every runtime shares: crash guards, config reload (file
 * watcher, SIGHUP, POST /admin/reload), graceful drain on SIGTERM/SIGINT, the listening
 * line. Exits 2 on a usage error and 1 on an invalid config, naming file, line and field.
 *
 * @example
 * await runGateway(createNodeHost(), process.argv.slice(2));
 */
export async function runGateway(host: GatewayHost, argv: readonly string[]): Promise<RunningGateway | null> {
  let args;
  try {
    args = parseServeArgs(argv, host.env, { config: host.defaultConfig });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    host.writeErr(formatServeUsageError(err, host.usage));
    host.exit(2);
    return null;
  }
  if (args.help) {
    host.writeOut(`${host.usage}\n`);
    host.exit(0);
    return null;
  }
  const logger = createJsonLogger(host.writeOut, args.logLevel);
  const cluster = host.cluster;
  const workers = args.workers === 'auto' ? (cluster?.cores ?? 1) : (args.workers ?? (cluster?.production ? cluster.cores : 1));
  if (workers > 1 && !cluster) {
    host.writeErr(formatServeUsageError(new UsageError(`--workers ${workers}: ${host.runtime} serves from one process; run several gateways behind a load balancer instead`), host.usage));
    host.exit(2);
    return null;
  }
  // each worker counts alone: limits in memory would let N times the traffic through
  const capabilities = workers > 1 ? { ...host.capabilities, memoryStoreCaveat: `With ${workers} workers, each one counts its own requests in memory: use rate_limits.store: redis to share the counts.` } : host.capabilities;
  const file = args.config;
  let text: string;
  let snapshot;
  try {
    text = await host.readText(file);
    snapshot = parseConfig(text, { file, env: host.env, capabilities });
  } catch (err) {
    host.writeErr(err instanceof ConfigError ? `invalid config:\n${err.message}\n` : `cannot read config ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
    host.exit(1);
    return null;
  }
  if (workers > 1 && cluster && !cluster.peers) {
    cluster.runPrimary(workers, logger);
    return null;
  }
  const peers = workers > 1 ? (cluster?.peers ?? undefined) : undefined;
  // a bug in one request must not take every other stream down with it: log it and keep serving
  host.onStrayError((kind, err) => logger.log('error', { msg: kind, error: describeError(err) }));

  const limitStore = host.limitStore?.(snapshot, logger);
  const cacheStore = host.cacheStore?.(snapshot, logger);
  const config = createConfigStore(snapshot);
  const gateway = createGateway(
    {
      config,
      upstream: host.upstream,
      logger,
      scheduler: host.scheduler,
      configSource: { file, read: () => host.readText(file), env: host.env, capabilities },
      peers,
      limitStore,
      cacheStore,
      httpMetrics: host.httpMetrics?.(),
      // only worker 1 starts model servers: the others could not even if a plan asked them to
      launcher: peers?.ownerUrl ? undefined : host.launcher,
      containers: peers?.ownerUrl ? undefined : host.containers,
      files: host.files,
      docsAssets: host.docsAssets,
      clientSignal: host.clientSignal,
    },
    { initialConfigText: text },
  );
  const server = await host.serve(gateway.fetch, { hostname: args.host, port: args.port, lastResort: lastResort(logger) });
  // worker 1 also listens on loopback, where the other workers hand it launched models' requests
  const ownerPort = peers ? cluster?.ownerPort : null;
  const owner = ownerPort ? await host.serve(gateway.fetch, { hostname: '127.0.0.1', port: ownerPort, lastResort: lastResort(logger) }) : null;
  if (peers) cluster?.attach(gateway);
  gateway.start(host.scheduler);

  let stopWatching: () => void = () => undefined;
  if (host.watch) {
    let pending: (() => void) | null = null;
    stopWatching = host.watch(file, (name) => {
      if (!concernsConfig(file, name)) return;
      pending?.();
      pending = host.scheduler.after(WATCH_DEBOUNCE_MS, () => {
        pending = null;
        void gateway.reload('file changed');
      });
    });
  }
  host.onSignal('SIGHUP', () => void gateway.reload('SIGHUP'));
  const shutdown = createShutdown({
    gateway,
    logger: (peers && cluster?.shutdownLogger) || logger,
    scheduler: host.scheduler,
    drainTimeoutMs: () => config.current().server.drain_timeout,
    close: async (graceMs) => {
      stopWatching();
      await Promise.all([server.close(graceMs), owner?.close(graceMs)]);
      await host.upstream.close?.();
      await limitStore?.close?.();
      await cacheStore?.close?.();
    },
    exit: (code) => host.exit(code),
  });
  host.onSignal('SIGTERM', () => shutdown('SIGTERM'));
  host.onSignal('SIGINT', () => shutdown('SIGINT'));

  const url = listeningUrl(args.host, server.port);
  const listening = { msg: 'listening', url, config: file, models: snapshot.models.map((m) => m.name), runtime: host.runtime };
  // with workers, the primary says it once all of them serve (and their signal handlers are set)
  if (peers && cluster) cluster.ready(listening);
  else logger.log('info', listening);
  return { url, port: server.port, gateway };
}

/**
 * Whether a change in the config file's directory can change the config: the file itself, an
 * editor's temporary file renamed over it, or a Kubernetes ConfigMap's `..data` symlink swap.
 * A log file written beside the config is not (it would reload, and re-report an invalid
 * config, on every line written).
 */
export function concernsConfig(file: string, name: string | null): boolean {
  if (name === null) return true;
  const base = file.slice(file.lastIndexOf('/') + 1);
  const changed = name.slice(name.lastIndexOf('/') + 1);
  return changed === base || changed.startsWith('..');
}
