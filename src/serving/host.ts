import type { ConfigSnapshot } from '../config/snapshot.ts';
import type { AssetReader, Capabilities, ClientSignal, ClusterPeers, LogRecord, PeerOp, ContainerDriver, FileReader, HttpMetrics, Logger, ProcessLauncher, Scheduler, UpstreamFetch } from '../deps.ts';
import { toErrorResponse } from '../errors/to-error-response.ts';
import type { CacheStore } from '../cache/cache-store.ts';
import type { CounterStore } from '../limits/counter-store.ts';

export type Signal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** A listening server, as the runtime's own API gives it. */
export interface Listening {
  port: number;
  /**
   * Stops listening and closes idle connections. Responses still being written (a handler
   * that returned is counted as done before its body is on the wire) get `graceMs`; then
   * every connection still open is cut, streams included. Resolves once that is done.
   */
  close(graceMs: number): Promise<void>;
}

export interface ServeOptions {
  hostname: string;
  port: number;
  /** For the runtime's own error hook: what to answer if the app ever throws. */
  lastResort: (err: unknown) => Response;
}

/**
 * What a runtime adapter provides to run the gateway: files, signals, processes, a
 * listener. Everything else (config loading, reload, drain, the messages) is written
 * once, in runGateway, against this.
 */
export interface GatewayHost {
  /** e.g. `node v20.20.2`, `bun 1.4.5`: shown in the listening line. */
  runtime: string;
  capabilities: Capabilities;
  env: Readonly<Record<string, string | undefined>>;
  defaultConfig: string;
  usage: string;
  /** stdout, one complete line per call */
  writeOut(line: string): void;
  /** stderr, for usage and config errors before the logger exists */
  writeErr(text: string): void;
  readText(path: string): Promise<string>;
  /**
   * Calls `onChange` with the name of what changed in the file's directory (editors replace
   * files by rename), or null when the runtime does not say; returns stop.
   */
  watch?(path: string, onChange: (name: string | null) => void): () => void;
  onSignal(signal: Signal, handler: () => void): void;
  onStrayError(handler: (kind: 'uncaught exception' | 'unhandled rejection', err: unknown) => void): void;
  exit(code: number): void;
  scheduler: Scheduler;
  upstream: UpstreamFetch & { close?(): Promise<void> };
  /** Node: the Redis store when the config asks for it. */
  limitStore?(snapshot: ConfigSnapshot, logger: Logger): (CounterStore & { close?(): Promise<void> }) | undefined;
  /** Node: the Redis response cache when `cache.store` is redis (absent or undefined: in memory). */
  cacheStore?(snapshot: ConfigSnapshot, logger: Logger): (CacheStore & { close?(): Promise<void> }) | undefined;
  httpMetrics?(): HttpMetrics;
  /** Starts model servers (`launch`); must keep children from outliving the gateway. */
  launcher?: ProcessLauncher;
  containers?: ContainerDriver;
  files?: FileReader;
  /** Swagger UI's files for /docs (swagger-ui-dist); absent, the page loads them from the CDN. */
  docsAssets?: AssetReader;
  /** `fetch` takes what the server hands beside each request (Node: its socket's ends), for `clientSignal`. */
  serve(fetch: (req: Request, env?: unknown) => Response | Promise<Response>, options: ServeOptions): Promise<Listening>;
  /** See GatewayDeps.clientSignal. */
  clientSignal?: (env: unknown) => ClientSignal | undefined;
  /** Node: several processes sharing the port (`serve --workers N`). */
  cluster?: ClusterHost;
}

/** What a runtime that can run several worker processes provides. */
export interface ClusterHost {
  /** For `--workers auto`. */
  cores: number;
  /** NODE_ENV=production: the default is one worker per core (else 1). */
  production: boolean;
  /** In a worker: the other workers; null in the primary process or a single process. */
  peers: ClusterPeers | null;
  /** On worker 1: the loopback port the other workers hand launched models' requests to. */
  ownerPort: number | null;
  /** In the primary: starts `workers` processes with the same flags and supervises them (signals, restarts, exit code). */
  runPrimary(workers: number, logger: Logger): void;
  /** In a worker: where its shutdown lines go (the primary tells the shutdown once for all workers). */
  shutdownLogger: Logger | null;
  /** In a worker: it serves, and takes signals; the primary logs `listening` once every worker has said so. */
  ready(record: LogRecord): void;
  /** In a worker: what the other workers ask of this one. */
  attach(gateway: { applyPeerOp(op: PeerOp): Promise<void>; renderMetrics(): Promise<string> }): void;
}

/** Waits for `p`, but no longer than `ms`. */
export async function within(ms: number, p: Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  if (timer !== undefined) clearTimeout(timer);
}

/** `http://host:port`, with brackets around an IPv6 address. */
export function listeningUrl(hostname: string, port: number): string {
  return `http://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
}

/** The runtime caught an error the app did not: log it, answer the generic OpenAI-shaped 500 (never the error's message). */
export function lastResort(logger: Logger): (err: unknown) => Response {
  return (err) => {
    logger.log('error', { msg: 'unhandled error', error: describeError(err) });
    return toErrorResponse(err);
  };
}

export function describeError(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
