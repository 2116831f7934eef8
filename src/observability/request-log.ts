import type { LogRecord, Logger } from '../deps.ts';

/** The one access-log line of a request, filled in as the request runs; metrics are derived from it too. */
export interface RequestLog {
  /** when the line was written; first on the line, with `msg`, and set as it is written */
  time: string;
  msg: 'request';
  request_id: string;
  method: string;
  path: string;
  /** the model that answered: after a split's choice and any fallback */
  model?: string;
  /** the name the client asked for, when a split routed it elsewhere */
  route?: string;
  /** the model that failed before `model` answered as its fallback */
  fallback_from?: string;
  backend?: string;
  /** the backend the request finally went to */
  target?: string;
  /** the caller as a bounded metrics label (key name, jwt tier, anonymous) */
  key?: string;
  status?: number;
  error_code?: string;
  /** W3C trace id, when the request takes part in a trace */
  trace_id?: string;
  retries: number;
  stream?: boolean;
  /** time to the backend's first body byte: for streams, the first token */
  ttfb_ms?: number;
  ttft_ms?: number;
  duration_ms?: number;
  /** time spent waiting on the backend before the response was handed over */
  upstream_ms?: number;
  /** time spent in the model's queue waiting for a free target */
  queue_ms?: number;
  /** the gateway's own share: duration before the hand-over minus upstream_ms and queue_ms */
  overhead_ms?: number;
  /** the response cache's verdict, on models that cache: answered from it (hit), stored for next time (miss), or skipped (bypass) */
  cache?: 'hit' | 'miss' | 'bypass';
  /** a hit answered by an identical request that was on its way to the backend */
  cache_coalesced?: boolean;
  /** time spent waiting for that identical request */
  cache_wait_ms?: number;
  /** request priority in the model's queue */
  priority?: number;
  prompt_tokens?: number;
  completion_tokens?: number;
  tokens_per_s?: number;
  /** mean inter-token latency of a stream */
  itl_ms?: number;
  /** prompt and generation speed as the backend reported them (llama.cpp timings) */
  backend_prompt_tps?: number;
  backend_generation_tps?: number;
  /** handed to another worker, which logs it (`serve --workers N`); never written */
  relayed?: boolean;
}

export function createRequestLog(requestId: string, method: string, path: string): RequestLog {
  // every field from the start, in the line's order (undefined ones are left out of it): an
  // object that grows field by field as the request runs changes shape and reallocates its
  // property store several times, once per request
  return {
    time: '',
    msg: 'request',
    request_id: requestId,
    method,
    path,
    model: undefined,
    route: undefined,
    fallback_from: undefined,
    backend: undefined,
    target: undefined,
    key: undefined,
    status: undefined,
    error_code: undefined,
    trace_id: undefined,
    retries: 0,
    stream: undefined,
    priority: undefined,
    ttfb_ms: undefined,
    ttft_ms: undefined,
    duration_ms: undefined,
    upstream_ms: undefined,
    queue_ms: undefined,
    overhead_ms: undefined,
    cache: undefined,
    cache_coalesced: undefined,
    cache_wait_ms: undefined,
    prompt_tokens: undefined,
    completion_tokens: undefined,
    tokens_per_s: undefined,
    itl_ms: undefined,
    backend_prompt_tps: undefined,
    backend_generation_tps: undefined,
    relayed: undefined,
  };
}

/** Derived numbers, once the request has ended. */
export function finishRequestLog(log: RequestLog, durationMs: number): void {
  log.duration_ms = round(durationMs);
  const tokens = log.completion_tokens;
  if (log.stream && log.ttfb_ms !== undefined) log.ttft_ms = log.ttfb_ms;
  if (!tokens || log.status !== 200) return;
  const generating = log.stream && log.ttft_ms !== undefined ? durationMs - log.ttft_ms : durationMs;
  if (generating > 0) log.tokens_per_s = round((tokens * 1000) / generating);
  if (log.stream && tokens > 1 && log.ttft_ms !== undefined) log.itl_ms = round(generating / (tokens - 1));
}

export function emitRequestLog(logger: Logger, log: RequestLog, wallMs: number): void {
  const level = (log.status ?? 500) >= 500 && log.status !== 499 ? 'error' : 'info';
  if (logger.enabled?.(level) === false) return;
  log.time = isoTime(wallMs);
  // the record itself, not a copy with time and msg spread in front: it has them first already
  logger.log(level, log as unknown as LogRecord);
}

// Requests under load end several to a millisecond: the same timestamp is formatted once.
let isoMs = Number.NaN;
let iso = '';
function isoTime(ms: number): string {
  if (ms !== isoMs) {
    isoMs = ms;
    iso = new Date(ms).toISOString();
  }
  return iso;
}

/** The gateway's own time: everything before the hand-over that was not spent waiting on a backend, in a queue or for an identical request. */
export function overheadMs(log: RequestLog, startedAt: number, now: number): number {
  return round(now - startedAt - (log.upstream_ms ?? 0) - (log.queue_ms ?? 0) - (log.cache_wait_ms ?? 0));
}

export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
