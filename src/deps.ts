/**
 * The ports the gateway core needs, as types only. A leaf: it imports nothing from
 * the rest of src/. Adapters supply the runtime-specific implementations; nothing
 * under src/ asks which runtime it runs on.
 */
import type { MiddlewareHandler } from 'hono';

export interface UpstreamRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** Honoured by clients that can tell connecting from waiting (the Node adapter's). */
  connectTimeoutMs?: number;
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
export interface Logger {
  log(level: LogLevel, record: LogRecord): void;
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
  /** Set where in-memory counters are not shared by the whole gateway (Workers: per isolate). */
  memoryStoreCaveat?: string;
  /** Set where the config cannot be reloaded in place: what to do instead. */
  noReload?: string;
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
