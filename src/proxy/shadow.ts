import type { ModelEntry } from '../config/snapshot.ts';
import type { Clock } from '../deps.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { GatewayMetrics } from '../observability/gateway-metrics.ts';
import { createRequestLog } from '../observability/request-log.ts';
import { RequestScope } from '../request/request-scope.ts';
import type { GatewayRuntime } from '../runtime/gateway-runtime.ts';
import type { Lease } from '../runtime/model-runtime.ts';
import { attemptTarget } from './attempt-target.ts';
import type { EndpointName } from './endpoints.ts';

export interface ShadowCopy {
  from: ModelEntry;
  shadow: ModelEntry;
  endpoint: EndpointName;
  body: string;
  headers: Record<string, string>;
  stream: boolean;
}

export interface ShadowDeps {
  runtime: GatewayRuntime;
  clock: Clock;
  metrics: GatewayMetrics;
}

/**
 * Sends a copy of a request to its model's shadow, after the caller's own request is on
 * its way: read to the end, measured, discarded. It takes a free target of the shadow
 * model or none (never a queue slot), has its own deadline, and nothing it does reaches
 * the caller. Its outcome counts for the shadow's targets like any request.
 */
export function sendShadow(copy: ShadowCopy, deps: ShadowDeps): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => run(copy, deps));
}

async function run(copy: ShadowCopy, deps: ShadowDeps): Promise<void> {
  const { clock, metrics } = deps;
  const started = clock.now();
  const labels = { model: copy.from.name, shadow: copy.shadow.name };
  const scope = new RequestScope(new AbortController().signal);
  scope.begin(copy.shadow.timeouts.total, copy.shadow.name);
  const log = createRequestLog('shadow', 'POST', '');
  let outcome = 'error';
  try {
    const rt = deps.runtime.model(copy.shadow);
    let lease: Lease;
    try {
      const got = rt.acquire({ priority: -Infinity, affinity: null, tried: null, signal: scope.signal, abortError: () => scope.errorFor(scope.signal)!, queue: false, seq: 0 });
      if (got instanceof Promise) throw new Error('a shadow copy never waits');
      lease = got;
    } catch {
      outcome = 'skipped';
      return;
    }
    const result = await attemptTarget(
      { model: copy.shadow, endpoint: copy.endpoint, body: copy.body, headers: copy.headers, stream: copy.stream, hideUsage: false, scope, clock, log, started },
      lease,
    );
    if (result.kind !== 'ok') {
      outcome = result.error.status === 504 ? 'timeout' : 'error';
      return;
    }
    const body = result.response.body;
    if (typeof body !== 'string') {
      const reader = body.getReader();
      while (!(await reader.read()).done);
      outcome = log.error_code ? 'error' : 'ok';
    } else outcome = 'ok';
  } catch (err) {
    outcome = err instanceof GatewayError && err.status === 504 ? 'timeout' : 'error';
  } finally {
    scope.end();
    metrics.shadowEnded(labels, outcome, (clock.now() - started) / 1000);
  }
}
