import type { ModelEntry } from '../config/snapshot.ts';
import type { Clock } from '../deps.ts';
import type { GatewayMetrics } from '../observability/gateway-metrics.ts';
import type { GatewayRuntime } from '../runtime/gateway-runtime.ts';
import type { Lease } from '../runtime/model-runtime.ts';
import type { EndpointName } from './endpoints.ts';

export interface ShadowCopy {
  from: ModelEntry;
  shadow: ModelEntry;
  endpoint: EndpointName;
  /** The shadow model's upstream body, built only for a copy that is sent. */
  body: () => string;
  headers: Record<string, string>;
  /** Copies of `from` in flight at once; more are skipped. */
  maxConcurrent: number;
}

export interface ShadowDeps {
  runtime: GatewayRuntime;
  clock: Clock;
  metrics: GatewayMetrics;
}

/**
 * Sends a copy of a request to its model's shadow, after the caller's own request is on
 * its way: read to the end, measured, discarded. It takes a free target of the shadow
 * model or none (never a queue slot), at most `maxConcurrent` copies run at once, it has
 * the shadow's own deadline, and nothing it does reaches the caller. Its outcome counts
 * for the shadow's targets (breaker) like any request's. Returns the copy's work, or null
 * when it was skipped (decided at once, at the cost of a counter).
 */
export function sendShadow(copy: ShadowCopy, deps: ShadowDeps): Promise<void> | null {
  const source = deps.runtime.model(copy.from);
  const lease = source.shadowsInFlight < copy.maxConcurrent ? deps.runtime.model(copy.shadow).leaseNow() : null;
  if (!lease) {
    deps.metrics.shadowEnded({ model: copy.from.name, shadow: copy.shadow.name }, 'skipped', 0);
    return null;
  }
  source.shadowsInFlight++;
  const body = copy.body();
  // the caller's request goes first; the copy starts on a later turn of the event loop
  return new Promise<void>((resolve) => setTimeout(resolve, 0))
    .then(() => run(copy, body, lease, deps))
    .finally(() => source.shadowsInFlight--);
}

async function run(copy: ShadowCopy, body: string, lease: Lease, deps: ShadowDeps): Promise<void> {
  const { clock, metrics } = deps;
  const started = clock.now();
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), copy.shadow.timeouts.total);
  let outcome: 'ok' | 'error' | 'timeout' = 'error';
  try {
    const target = lease.target;
    const res = await target.transport({
      url: target.urls[copy.endpoint],
      method: 'POST',
      headers: { ...target.headers, ...copy.headers },
      body,
      signal: ctl.signal,
      connectTimeoutMs: copy.shadow.timeouts.connect,
    });
    await res.text();
    outcome = res.status < 400 ? 'ok' : 'error';
    lease.release(res.status >= 500 ? 'status' : 'ok');
  } catch {
    outcome = ctl.signal.aborted ? 'timeout' : 'error';
    lease.release(ctl.signal.aborted ? 'timeout' : 'connect');
  } finally {
    clearTimeout(timer);
    metrics.shadowEnded({ model: copy.from.name, shadow: copy.shadow.name }, outcome, (clock.now() - started) / 1000);
  }
}
