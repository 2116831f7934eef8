/**
 * The ports the gateway core needs, as types only. A leaf: it imports nothing from
 * the rest of src/. Adapters supply the runtime-specific implementations; nothing
 * under src/ asks which runtime it runs on.
 */
import type { MiddlewareHandler } from 'hono';

export interface UpstreamRequest {
  url: string;
  /** GET and POST for the gateway's own calls; any method through /upstream. */
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  signal: AbortSignal;
  /**
   * The same cancellation as `signal`, as a callback: a client that follows this one need
   * never read `signal`, which the gateway then never builds (an AbortController and an
   * EventTarget listener per proxied request otherwise; the Node adapter's client does).
   */
  cancel?: Cancellation;
  /** Honoured by clients that can tell connecting from waiting (the Node adapter's). */
  connectTimeoutMs?: number;
}

/** A cancellation that tells its listeners by calling them, at most once. */
export interface Cancellation {
  readonly aborted: boolean;
  /** What `signal.reason` would be once aborted. */
  readonly reason: unknown;
  onAbort(listener: () => void): void;
  offAbort(listener: () => void): void;
}

/** The part of a fetch Response the gateway uses; a web Response satisfies it. */
export interface UpstreamResponse {
  status: number;
  headers: { get(name: string): string | null };
  body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
}

/** The upstream HTTP client. Node injects a faster one than its built-in fetch. */
export type UpstreamFetch = (req: UpstreamRequest) => Promise<UpstreamResponse>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogRecord = Record<string, unknown> & { msg: string };

/** One JSON object per line. Never given keys, Authorization headers or prompt text. */
/**
 * What a request's scope needs of its client: whether it has left, and to hear once when it
 * does (as the scope's own `handleEvent`). A Request's AbortSignal is one; on Node the
 * adapter hands the socket's close instead (see GatewayDeps.clientSignal).
 */
export interface ClientSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: EventListenerObject, options?: { once: boolean }): void;
  removeEventListener(type: 'abort', listener: EventListenerObject): void;
}

export interface Logger {
  log(level: LogLevel, record: LogRecord): void;
  /** Whether records of this level are written; absent: all are. Lets callers skip building a record that would be dropped. */
  enabled?(level: LogLevel): boolean;
}

export interface Clock {
  /** Monotonic milliseconds, for durations. */
  now(): number;
  /** Wall-clock milliseconds since the epoch. */
  wall(): number;
}

/**
 * Background work (health probes, config-reload debouncing, later idle timers). One per
 * server, started and stopped with it; runtimes without background work (Workers) pass none.
 */
export interface Scheduler {
  /** Runs `task` every `ms` until cancelled or the scheduler stops. */
  every(ms: number, task: () => void): () => void;
  /** Runs `task` once after `ms` unless cancelled first. */
  after(ms: number, task: () => void): () => void;
  /** Cancels everything; later calls schedule nothing. */
  stop(): void;
}

/** What this runtime can do; config that needs more fails validation naming the field. */
export interface Capabilities {
  runtime: string;
  /** Rate-limit stores the adapter can provide. */
  limitStores: readonly ('memory' | 'redis')[];
  /** Response cache stores the adapter can provide (`cache.store`); absent: memory only. */
  cacheStores?: readonly ('memory' | 'redis' | 'cache_api')[];
  /** Set where in-memory counters are not shared by the whole gateway (Workers: per isolate). */
  memoryStoreCaveat?: string;
  /** Set where the config cannot be reloaded in place: what to do instead. */
  noReload?: string;
  /** The runtime can start model servers as child processes (`launch`). */
  processes?: boolean;
  /** The runtime can reach the Docker Engine API (`launch.docker`). */
  containers?: boolean;
}

/** Where the config came from, so it can be read again on reload (absent: no reload). */
export interface ConfigSource {
  /** Shown in messages and GET /admin/config. */
  file: string;
  read(): Promise<string>;
  env: Readonly<Record<string, string | undefined>>;
  capabilities: Capabilities;
}

/** Runtime HTTP metrics (Node mounts @hono/prometheus): a middleware run first on every request, its text appended to GET /metrics. */
export interface HttpMetrics {
  middleware: MiddlewareHandler;
  render(): string | Promise<string>;
}

/**
 * Reads a file the gateway serves but cannot read itself: Swagger UI's script and stylesheet
 * for /docs, from the `swagger-ui-dist` package. Resolves to null when the runtime lacks the file.
 */
export type AssetReader = (name: string) => Promise<Uint8Array<ArrayBuffer> | string | null>;

/** A child process the gateway started (a model server). */
export interface ChildProcessHandle {
  readonly pid: number;
  /** Resolves once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** Signals the process and its group (children of a shell, vLLM's workers). */
  kill(signal: 'SIGTERM' | 'SIGKILL'): void;
}

export interface SpawnSpec {
  /** argv: the program, then its arguments */
  cmd: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Called with each line the process prints (stdout and stderr). */
  onLine(stream: 'stdout' | 'stderr', line: string): void;
}

/**
 * Starts model servers. The adapter makes sure a child never outlives the gateway, even
 * when the gateway is killed with SIGKILL. Absent: the runtime cannot start processes
 * (Workers), and config validation rejects `launch`.
 */
export interface ProcessLauncher {
  spawn(spec: SpawnSpec): ChildProcessHandle;
  /** A loopback TCP port that was free a moment ago. */
  freePort(): Promise<number>;
}

/** Reads byte ranges of a file (a GGUF model's header). */
export interface FileReader {
  /** Up to `length` bytes from `offset`; fewer at the end of the file. Rejects if the file cannot be read. */
  read(path: string, offset: number, length: number): Promise<Uint8Array>;
}

/** What the Docker Engine API reports of a container. */
export interface ContainerState {
  running: boolean;
  /** `State.Status`: created, running, exited, … */
  status: string;
  pid: number;
  exitCode: number | null;
  /** ISO time, or null when it never started */
  startedAt: string | null;
}

/** Starts and stops existing containers through the Docker Engine API (never the docker CLI). */
export interface ContainerDriver {
  start(container: string): Promise<void>;
  /** Stops with a grace period in seconds (SIGTERM, then SIGKILL). */
  stop(container: string, timeoutSeconds: number): Promise<void>;
  inspect(container: string): Promise<ContainerState>;
}

/** What one worker tells the others (`serve --workers N`): each applies it to its own runtime. */
export type PeerOp =
  | { op: 'reload'; trigger: string }
  | { op: 'register'; id: string; model: string; url: string; ttlMs: number }
  | { op: 'unregister'; id: string };

/**
 * The other workers of a multi-process gateway (Node's `serve --workers N`). Each worker is a
 * whole gateway with its own health, breakers, queues and caches; what must be one for all
 * goes through here: launched models are owned by worker 1 (the others hand such requests to
 * it), reloads and target registrations reach every worker, and a scrape sees every worker.
 */
export interface ClusterPeers {
  /** This worker's number, from 1. */
  readonly worker: number;
  /** Worker 1's private loopback URL, on the other workers; null on worker 1 (it owns launched models). */
  readonly ownerUrl: string | null;
  /** Sends `op` to every other worker; resolves once each has applied it (or did not answer in time). */
  broadcast(op: PeerOp): Promise<void>;
  /** Every worker's metrics text, this one's included, by worker number. */
  collectMetrics(): Promise<{ worker: number; text: string }[]>;
}
