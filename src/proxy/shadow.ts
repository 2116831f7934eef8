import type { ModelEntry } from '../config/snapshot.ts';
import { clientClosed } from '../errors/errors.ts';
import type { Clock } from '../deps.ts';
import type { GatewayMetrics } from '../observability/gateway-metrics.ts';
import type { GatewayRuntime } from '../runtime/gateway-runtime.ts';
import type { Lease } from '../runtime/model-runtime.ts';
import type { EndpointName } from './endpoints.ts';

export interface ShadowCopy {
  from: ModelEntry;
  shadow: ModelEntry;
  endpoint: EndpointName;
  body: string;
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
 * for the shadow's targets (breaker) like any request's.
 */
export function sendShadow(copy: ShadowCopy, deps: ShadowDeps): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => run(copy, deps));
}

async function run(copy: ShadowCopy, deps: ShadowDeps): Promise<void> {
  const { clock, metrics } = deps;
  const labels = { model: copy.from.name, shadow: copy.shadow.name };
  const source = deps.runtime.model(copy.from);
  const rt = deps.runtime.model(copy.shadow);
  const ctl = new AbortController();
  let lease: Lease;
  try {
    if (source.shadowsInFlight >= copy.maxConcurrent) throw new Error('enough copies in flight');
    const got = rt.acquire({ priority: -Infinity, affinity: null, tried: null, signal: ctl.signal, abortError: clientClosed, queue: false, seq: 0 });
    if (got instanceof Promise) throw new Error('a shadow copy never waits');
    lease = got;
  } catch {
    metrics.shadowEnded(labels, 'skipped', 0);
    return;
  }
  source.shadowsInFlight++;
  const started = clock.now();
  const timeoutMs = copy.shadow.timeouts.total;
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  let outcome: 'ok' | 'error' | 'timeout' = 'error';
  try {
    const target = lease.target;
    const res = await target.transport({
      url: target.urls[copy.endpoint],
      method: 'POST',
      headers: { ...target.headers, ...copy.headers },
      body: copy.body,
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
    source.shadowsInFlight--;
    metrics.shadowEnded(labels, outcome, (clock.now() - started) / 1000);
  }
}
