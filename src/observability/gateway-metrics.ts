import { createRegistry, type Counter, type Registry } from './prometheus-registry.ts';
import type { RequestLog } from './request-log.ts';

const LATENCY = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const TTFT = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const ITL = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const TPS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500];
const OVERHEAD = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];
const QUEUE_WAIT = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const QUEUE_ERRORS = new Set(['queue_full', 'queue_timeout']);
const START = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const SERVER_STATES = ['off', 'starting', 'ready', 'sleeping', 'draining', 'stopping', 'failed'] as const;

/** Live state read at each scrape (never on the request path). */
export interface LiveModel {
  model: string;
  /** launched models: their server's state */
  state?: string;
  queued: number;
  targets: { backend: string; inFlight: number; up: boolean }[];
}

/**
 * The gateway's Prometheus metrics, derived from each request's log record so
 * logs and metrics never disagree, plus gauges read from the per-model runtime at
 * scrape time. Labels are bounded: only configured models, targets and key names
 * (JWT callers by tier) become label values.
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  requestEnded(log: RequestLog): void;
  streamStarted(model: string): void;
  streamEnded(model: string): void;
  /** Where the runtime's state is read from at scrape time (the response cache's entries and bytes by namespace too). */
  observe(live: () => { models: LiveModel[]; inFlight: number; cache?: ReadonlyMap<string, { entries: number; bytes: number }> }): void;
  /** The response cache evicted an entry of `namespace` to make room. */
  cacheEvicted(namespace: string): void;
  reloadEnded(result: 'ok' | 'error' | 'unchanged'): void;
  shadowEnded(labels: { model: string; shadow: string }, outcome: string, seconds: number): void;
  /** A launched model's server became ready, this long after its start (or wake) began. */
  modelStarted(model: string, seconds: number): void;
  modelCrashed(model: string): void;
  modelEvicted(model: string, forModel: string): void;
  render(): string;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = createRegistry();
  const requests = registry.counter('modeltainer_requests_total', 'Requests by model, backend, key and status', ['model', 'backend', 'key', 'status']);
  const duration = registry.histogram('modeltainer_request_duration_seconds', 'Whole request, streams until their end', ['model', 'backend'], LATENCY);
  const ttft = registry.histogram('modeltainer_time_to_first_token_seconds', 'Time to the first token (first byte of a stream)', ['model', 'backend'], TTFT);
  const itl = registry.histogram('modeltainer_inter_token_latency_seconds', 'Mean gap between tokens of a stream', ['model', 'backend'], ITL);
  const tps = registry.histogram('modeltainer_output_tokens_per_second', 'Completion tokens per second of generation', ['model', 'backend'], TPS);
  const prompt = registry.counter('modeltainer_prompt_tokens_total', 'Prompt tokens, from the backends usage', ['model', 'backend', 'key']);
  const completion = registry.counter('modeltainer_completion_tokens_total', 'Completion tokens, from the backends usage', ['model', 'backend', 'key']);
  const retries = registry.counter('modeltainer_retries_total', 'Upstream attempts retried', ['model', 'backend']);
  const overhead = registry.histogram('modeltainer_gateway_overhead_seconds', 'Time the gateway itself added (total minus waiting on the backend and in the queue)', ['model'], OVERHEAD);
  const streams = registry.gauge('modeltainer_streams_in_flight', 'Streams being relayed now', ['model']);
  const up = registry.gauge('modeltainer_backend_up', 'Target takes traffic: its health check passes and its breaker is not open (1) or not (0)', ['model', 'backend']);
  const targetInFlight = registry.gauge('modeltainer_target_in_flight', 'Requests in flight per target', ['model', 'backend']);
  const queueDepth = registry.gauge('modeltainer_queue_depth', 'Requests waiting for a free target, per model', ['model']);
  const queueWait = registry.histogram('modeltainer_queue_wait_seconds', 'Time a request waited in its model queue (requests that waited)', ['model'], QUEUE_WAIT);
  const queueRejected = registry.counter('modeltainer_queue_rejected_total', 'Requests turned away by a model queue: full (429) or waited too long (503)', ['model', 'reason']);
  const fallbacks = registry.counter('modeltainer_fallbacks_total', 'Requests answered by a fallback after their model failed', ['model', 'fallback']);
  const inFlight = registry.gauge('modeltainer_requests_in_flight', 'Requests being served now (drained on shutdown)', []);
  const reloads = registry.counter('modeltainer_config_reloads_total', 'Config reloads by result (ok, error: the old config kept serving, unchanged)', ['result']);
  const shadows = registry.counter('modeltainer_shadow_requests_total', 'Shadow copies by outcome (ok, error, timeout, skipped: the shadow had no free target)', ['model', 'shadow', 'outcome']);
  const shadowDuration = registry.histogram('modeltainer_shadow_duration_seconds', 'Shadow copies, read to the end', ['model', 'shadow'], LATENCY);
  const modelState = registry.gauge('modeltainer_model_state', 'Launched models: 1 for the state their server is in (off, starting, ready, sleeping, draining, stopping, failed)', ['model', 'state']);
  const startDuration = registry.histogram('modeltainer_model_start_duration_seconds', 'Launched models: from start (or wake-up) to ready', ['model'], START);
  const crashes = registry.counter('modeltainer_model_crashes_total', 'Launched models: servers that exited unasked or did not become ready', ['model']);
  const evictions = registry.counter('modeltainer_model_evictions_total', 'Launched models: servers stopped to make room for another model', ['model', 'for']);
  const cacheRequests = registry.counter('modeltainer_cache_requests_total', 'Requests to models that cache, by what the cache did: hit, miss (stored for next time), bypass', ['model', 'result']);
  const cacheCoalesced = registry.counter('modeltainer_cache_coalesced_total', 'Hits answered by an identical request that was on its way to the backend', ['model']);
  const cacheEvictions = registry.counter('modeltainer_cache_evictions_total', 'Cache entries evicted to make room, by namespace (the model name unless models share one)', ['namespace']);
  const cacheBytes = registry.gauge('modeltainer_cache_bytes', 'Bytes the cache holds, by namespace (Redis: as last seen by this gateway)', ['namespace']);
  const cacheEntries = registry.gauge('modeltainer_cache_entries', 'Entries the cache holds, by namespace (Redis: as last seen by this gateway)', ['namespace']);

  // The series a finished request touches, bound once per model and backend (then per key and
  // status): requestEnded runs for every request, and label objects and series keys per
  // observation were a measurable part of it. Each series appears at its first use, as before.
  const bound = new Map<string, Map<string, BoundSeries>>();
  const seriesFor = (model: string, backend: string): BoundSeries => {
    let byBackend = bound.get(model);
    if (!byBackend) bound.set(model, (byBackend = new Map()));
    let series = byBackend.get(backend);
    if (!series) byBackend.set(backend, (series = new BoundSeries(model, backend, requests, prompt, completion)));
    return series;
  };

  return {
    registry,
    requestEnded(log) {
      const model = log.model ?? '';
      const series = seriesFor(model, log.backend ?? '');
      series.requests(log.key ?? '', log.status ?? 0).inc();
      if (!log.model) return;
      if (log.duration_ms !== undefined) (series.duration ??= duration.child(series.mb)).observe(log.duration_ms / 1000);
      if (log.status === 200 && log.ttfb_ms !== undefined) (series.ttft ??= ttft.child(series.mb)).observe(log.ttfb_ms / 1000);
      if (log.itl_ms !== undefined) (series.itl ??= itl.child(series.mb)).observe(log.itl_ms / 1000);
      if (log.tokens_per_s !== undefined) (series.tps ??= tps.child(series.mb)).observe(log.tokens_per_s);
      if (log.prompt_tokens) series.prompt(log.key ?? '').inc(log.prompt_tokens);
      if (log.completion_tokens) series.completion(log.key ?? '').inc(log.completion_tokens);
      if (log.retries) (series.retries ??= retries.child(series.mb)).inc(log.retries);
      if (log.overhead_ms !== undefined) (series.overhead ??= overhead.child({ model })).observe(log.overhead_ms / 1000);
      if (log.queue_ms !== undefined) (series.queueWait ??= queueWait.child({ model })).observe(log.queue_ms / 1000);
      if (log.error_code !== undefined && QUEUE_ERRORS.has(log.error_code)) queueRejected.inc({ model, reason: log.error_code === 'queue_full' ? 'full' : 'timeout' });
      if (log.fallback_from !== undefined) fallbacks.inc({ model: log.fallback_from, fallback: model });
      if (log.cache !== undefined) cacheRequests.inc({ model, result: log.cache });
      if (log.cache_coalesced) cacheCoalesced.inc({ model });
    },
    streamStarted: (model) => streams.add({ model }, 1),
    streamEnded: (model) => streams.add({ model }, -1),
    observe(live) {
      registry.collect(() => {
        const state = live();
        up.reset();
        targetInFlight.reset();
        queueDepth.reset();
        modelState.reset();
        cacheBytes.reset();
        cacheEntries.reset();
        inFlight.set({}, state.inFlight);
        for (const [namespace, u] of state.cache ?? []) {
          cacheBytes.set({ namespace }, u.bytes);
          cacheEntries.set({ namespace }, u.entries);
        }
        for (const m of state.models) {
          queueDepth.set({ model: m.model }, m.queued);
          if (m.state !== undefined) for (const s of SERVER_STATES) modelState.set({ model: m.model, state: s }, s === m.state ? 1 : 0);
          for (const t of m.targets) {
            up.set({ model: m.model, backend: t.backend }, t.up ? 1 : 0);
            targetInFlight.set({ model: m.model, backend: t.backend }, t.inFlight);
          }
        }
      });
    },
    reloadEnded: (result) => reloads.inc({ result }),
    modelStarted: (model, seconds) => startDuration.observe({ model }, seconds),
    modelCrashed: (model) => crashes.inc({ model }),
    modelEvicted: (model, forModel) => evictions.inc({ model, for: forModel }),
    cacheEvicted: (namespace) => cacheEvictions.inc({ namespace }),
    shadowEnded(labels, outcome, seconds) {
      shadows.inc({ ...labels, outcome });
      if (outcome !== 'skipped') shadowDuration.observe(labels, seconds);
    },
    render: () => registry.render(),
  };
}

type Observer = { observe(value: number): void };
type Incrementer = { inc(by?: number): void };

/** One model on one backend's request series; see seriesFor. */
class BoundSeries {
  readonly mb: { model: string; backend: string };
  duration?: Observer;
  ttft?: Observer;
  itl?: Observer;
  tps?: Observer;
  retries?: Incrementer;
  overhead?: Observer;
  queueWait?: Observer;
  private readonly byKeyStatus = new Map<string, Map<number, Incrementer>>();
  private readonly promptByKey = new Map<string, Incrementer>();
  private readonly completionByKey = new Map<string, Incrementer>();

  constructor(
    model: string,
    backend: string,
    private readonly counter: Counter<'model' | 'backend' | 'key' | 'status'>,
    private readonly promptCounter: Counter<'model' | 'backend' | 'key'>,
    private readonly completionCounter: Counter<'model' | 'backend' | 'key'>,
  ) {
    this.mb = { model, backend };
  }

  requests(key: string, status: number): Incrementer {
    let byStatus = this.byKeyStatus.get(key);
    if (!byStatus) this.byKeyStatus.set(key, (byStatus = new Map()));
    let c = byStatus.get(status);
    if (!c) {
      c = this.counter.child({ ...this.mb, key, status: String(status) });
      byStatus.set(status, c);
    }
    return c;
  }

  prompt(key: string): Incrementer {
    let c = this.promptByKey.get(key);
    if (!c) {
      c = this.promptCounter.child({ ...this.mb, key });
      this.promptByKey.set(key, c);
    }
    return c;
  }

  completion(key: string): Incrementer {
    let c = this.completionByKey.get(key);
    if (!c) {
      c = this.completionCounter.child({ ...this.mb, key });
      this.completionByKey.set(key, c);
    }
    return c;
  }
}
