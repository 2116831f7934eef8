import type { RetryConfig } from '../config/schema.ts';
import type { ModelEntry } from '../config/snapshot.ts';
import type { Clock } from '../deps.ts';
import { clientClosed } from '../errors/errors.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { round, type RequestLog } from '../observability/request-log.ts';
import type { GatewayRuntime } from '../runtime/gateway-runtime.ts';
import type { Lease } from '../runtime/model-runtime.ts';
import { affinityKey, type AffinitySource } from '../targets/affinity.ts';
import type { TargetState } from '../targets/target-state.ts';
import { attemptTarget, type AttemptInput, type Forwarded } from './attempt-target.ts';
import type { UpstreamBodies } from './build-upstream-body.ts';
import { retryDelayMs, sleep } from './retry-policy.ts';

export type { Forwarded } from './attempt-target.ts';

/** What every attempt shares (AttemptInput without its model, body and start), plus how to choose them. */
export interface ForwardInput extends Omit<AttemptInput, 'model' | 'body' | 'started'> {
  /** The model asked for, then its fallbacks in order (entries of the request's snapshot). */
  chain: readonly ModelEntry[];
  /** The upstream JSON for each model of the chain. */
  bodies: UpstreamBodies;
  runtime: GatewayRuntime;
  /** `server.retry`, for models without their own `retry` */
  retry: RetryConfig;
  priority: number;
  affinity: AffinitySource;
  random: () => number;
}

/**
 * Sends a request to the first model of the chain that answers. Each attempt asks the
 * model's runtime for a target (waiting in its queue if all are busy), preferring
 * targets not tried yet; every target is tried before a model counts as failed, and a
 * busy or briefly unavailable one (429, 502, 503) is retried after a back-off. A model
 * that failed before anything was sent hands over to the next one. Nothing is retried
 * once bytes have gone to the client.
 */
export async function forward(input: ForwardInput): Promise<Forwarded> {
  const started = input.clock.now();
  const seq = input.runtime.nextSeq();
  let error: GatewayError | null = null;
  for (let i = 0; i < input.chain.length; i++) {
    const model = input.chain[i]!;
    if (i > 0) {
      input.log.fallback_from ??= input.log.model;
      input.log.model = model.name;
    }
    const result = await forwardToModel(input, model, seq, started);
    if ('response' in result) return result.response;
    error = result.error;
  }
  throw error ?? clientClosed();
}

async function forwardToModel(input: ForwardInput, model: ModelEntry, seq: number, started: number): Promise<{ response: Forwarded } | { error: GatewayError }> {
  const { scope, clock, log } = input;
  const rt = input.runtime.model(model);
  const retry = model.retry ?? input.retry;
  const attempts = Math.max(retry.attempts, rt.states.length);
  let tried: Set<TargetState> | null = null;
  const affinity = affinityKey(model, input.affinity);
  let error: GatewayError | null = null;
  for (let n = 1; n <= attempts; n++) {
    let lease: Lease;
    try {
      const got = rt.acquire({
        priority: input.priority,
        affinity,
        tried,
        scope,
        queue: true,
        seq,
      });
      lease = got instanceof Promise ? await waited(got, clock, log) : got;
    } catch (err) {
      // the client left or the deadline passed while waiting: nothing else is worth trying
      if (!(err instanceof GatewayError) || scope.signal.aborted) throw err;
      return { error: err };
    }
    log.backend = log.target = lease.target.label;
    const result = await attemptTarget(
      { model, endpoint: input.endpoint, body: input.bodies.for(model), headers: input.headers, stream: input.stream, hideUsage: input.hideUsage, keepalive: input.keepalive, errorFormat: input.errorFormat, scope, clock, log, started },
      lease,
    );
    if (result.kind === 'ok') return { response: result.response };
    if (result.kind === 'final') throw result.error;
    const seen = (tried ??= new Set());
    seen.add(lease.state);
    error = result.error;
    if (n === attempts) break;
    const now = clock.now();
    const cooldown = model.healthSettings.cooldown;
    const untried = rt.states.some((s) => !seen.has(s) && s.available(now, cooldown));
    if (!untried) {
      if (!result.again || (result.retryAfterMs ?? 0) > retry.max_delay) break;
      try {
        await sleep(retryDelayMs(retry, n, result.retryAfterMs, input.random), scope.signal);
      } catch {
        throw scope.errorFor(scope.signal) ?? clientClosed();
      }
    }
    log.retries++;
  }
  return { error: error ?? clientClosed() };
}

async function waited(pending: Promise<Lease>, clock: Clock, log: RequestLog): Promise<Lease> {
  const since = clock.now();
  try {
    return await pending;
  } finally {
    log.queue_ms = round((log.queue_ms ?? 0) + clock.now() - since);
  }
}
