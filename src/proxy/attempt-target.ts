import type { ModelEntry } from '../config/snapshot.ts';
import type { Clock, UpstreamRequest, UpstreamResponse } from '../deps.ts';
import { errors } from '../errors/errors.ts';
import type { ErrorFormat } from '../errors/to-error-response.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { round, type RequestLog } from '../observability/request-log.ts';
import type { Attempt, RequestScope } from '../request/request-scope.ts';
import type { Lease } from '../runtime/model-runtime.ts';
import type { AttemptOutcome } from '../targets/target.ts';
import { mapBackendError } from './backend-error.ts';
import type { EndpointName } from './endpoints.ts';
import { relayStream } from './relay-stream.ts';
import { parseRetryAfter } from './retry-policy.ts';
import { createUsageEventFilter } from './usage-event-filter.ts';
import { recordUsage } from './usage.ts';

/**
 * What goes back to the client, not yet a Response: the route adds its own headers
 * first, so the Response is built once with a plain header record (Node's server
 * writes that without ever building a Headers object).
 */
export interface Forwarded {
  status: number;
  body: string | ReadableStream<Uint8Array>;
  headers: Record<string, string>;
  /** The model that answered (after fallbacks). */
  model: ModelEntry;
}

export interface AttemptInput {
  model: ModelEntry;
  endpoint: EndpointName;
  body: string;
  headers: Record<string, string>;
  stream: boolean;
  /** The gateway added include_usage for its own accounting: hide the usage event from the client. */
  hideUsage: boolean;
  /** Streams: SSE comments while waiting for the first token, counted from `started`. */
  keepalive?: { afterMs: number; intervalMs: number };
  /** The error event a stream that fails midway ends with: its API's. */
  errorFormat?: ErrorFormat;
  scope: RequestScope;
  clock: Clock;
  log: RequestLog;
  /** clock.now() when forwarding began, for ttfb */
  started: number;
}

export type AttemptResult =
  | { kind: 'ok'; response: Forwarded }
  /** Goes to the client as it is: the backend's 4xx, the client gone, the total deadline. */
  | { kind: 'final'; error: GatewayError }
  /** Another target (or a fallback) may do better; `again`: this target may be retried after a back-off. */
  | { kind: 'failed'; error: GatewayError; again: boolean; retryAfterMs: number | null };

/** Statuses after which the same target is worth asking again: it is busy or briefly away. */
const AGAIN = new Set([429, 502, 503]);

/** Sends one attempt to the target of `lease`, releasing the lease unless a stream now holds it. */
export async function attemptTarget(input: AttemptInput, lease: Lease): Promise<AttemptResult> {
  const { scope, model } = input;
  const target = lease.target;
  const attempt = scope.attempt(model.timeouts.first_byte, target.label);
  let res: UpstreamResponse;
  try {
    res = await target.transport(new UpstreamCall(target.urls[input.endpoint], { ...target.headers, ...input.headers }, input.body, attempt, model.timeouts.connect));
  } catch (cause) {
    attempt.release();
    return aborted(attempt, lease) ?? failed(lease, 'connect', errors.backendUnreachable(target.label, describe(cause)), true);
  }

  if (res.status >= 400) {
    const retryAfter = res.headers.get('retry-after');
    if (res.status >= 500 || res.status === 429 || res.status === 401 || res.status === 403 || res.status === 407) {
      const error = await readError(res, attempt, target.label, retryAfter);
      if (error.status === 499) return final(lease, 'cancelled', error);
      const again = AGAIN.has(res.status);
      return { ...failed(lease, res.status === 429 ? 'busy' : 'status', error, again), retryAfterMs: parseRetryAfter(retryAfter, Date.now()) };
    }
    // the backend works; the request is wrong (context too long, bad field): the client's to fix
    const error = await readError(res, attempt, target.label, retryAfter);
    return final(lease, error.status === 499 ? 'cancelled' : 'ok', error);
  }

  const contentType = res.headers.get('content-type') ?? '';
  if (contentType.startsWith('text/event-stream') !== input.stream) {
    attempt.release();
    res.body?.cancel().catch(() => undefined);
    const expected = input.stream ? 'an SSE stream' : 'a JSON body';
    return failed(lease, 'status', errors.backendBadResponse(target.label, `expected ${expected}, got Content-Type '${contentType || 'none'}'`), false);
  }

  if (!input.stream) {
    let text: string;
    try {
      text = await res.text();
    } catch (cause) {
      attempt.release();
      return aborted(attempt, lease) ?? failed(lease, 'stream', errors.backendBadResponse(target.label, `connection lost while reading the body (${describe(cause)})`), false);
    }
    attempt.release();
    lease.release('ok');
    input.log.ttfb_ms = round(input.clock.now() - input.started);
    recordUsage(input.log, text);
    return { kind: 'ok', response: { status: res.status, body: text, headers: { 'content-type': contentType }, model } };
  }

  if (!res.body) {
    attempt.release();
    return failed(lease, 'status', errors.backendBadResponse(target.label, 'empty stream body'), false);
  }
  lease.succeeded();
  return { kind: 'ok', response: streamResponse(input, res.body, contentType, attempt, lease) };
}

function streamResponse(input: AttemptInput, body: ReadableStream<Uint8Array>, contentType: string, attempt: Attempt, lease: Lease): Forwarded {
  const { log, clock, scope } = input;
  const label = lease.target.label;
  scope.hold();
  // the relay releases it with the stream's outcome; at the latest, the request's end does
  scope.onEnd(() => lease.release('cancelled'));
  const k = input.keepalive;
  const relayed = relayStream(body, {
    filter: input.hideUsage ? createUsageEventFilter() : undefined,
    keepalive: k && { afterMs: Math.max(0, k.afterMs - (clock.now() - input.started)), intervalMs: k.intervalMs },
    errorFormat: input.errorFormat,
    onFirstChunk: () => {
      attempt.firstByte();
      log.ttfb_ms = round(clock.now() - input.started);
    },
    cancelUpstream: () => attempt.abort({ kind: 'client' }),
    toError: (cause) => attempt.error() ?? errors.backendStreamFailed(label, describe(cause)),
    onEnd: ({ tail, head, error, cancelled }) => {
      attempt.release();
      recordUsage(log, tail, head);
      // a client gone before the relay noticed comes back as the 499 error instead of a cancel
      const clientGone = cancelled || error?.status === 499;
      if (clientGone) {
        log.status = 499;
        log.error_code = 'client_closed_request';
      } else if (error) log.error_code = error.code ?? 'stream_error';
      lease.release(streamOutcome(attempt, clientGone, error !== null));
      scope.end();
    },
  });
  return {
    status: 200,
    body: relayed,
    headers: { 'content-type': contentType, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
    model: input.model,
  };
}

/** One attempt's upstream request. A class for its `signal` getter: a client that follows `cancel` never has the AbortSignal built. */
class UpstreamCall implements UpstreamRequest {
  readonly method = 'POST';

  constructor(
    readonly url: string,
    readonly headers: Record<string, string>,
    readonly body: string,
    readonly cancel: Attempt,
    readonly connectTimeoutMs: number,
  ) {}

  get signal(): AbortSignal {
    return this.cancel.signal;
  }
}

function streamOutcome(attempt: Attempt, clientGone: boolean, failedMidway: boolean): AttemptOutcome {
  if (!failedMidway && !clientGone) return 'ok';
  if (attempt.firstByteTimedOut) return 'timeout';
  // cut by the request's own deadline or its client: says nothing about the target
  return clientGone || attempt.aborted ? 'cancelled' : 'stream';
}

/** An attempt cut short by the request itself (client gone, total deadline) or by its first-byte deadline. */
function aborted(attempt: Attempt, lease: Lease): AttemptResult | null {
  const error = attempt.error();
  if (!error) return null;
  if (attempt.firstByteTimedOut) return failed(lease, 'timeout', error, false);
  return final(lease, 'cancelled', error);
}

function failed(lease: Lease, outcome: 'connect' | 'status' | 'busy' | 'timeout' | 'stream', error: GatewayError, again: boolean): AttemptResult & { kind: 'failed' } {
  lease.release(outcome);
  return { kind: 'failed', error, again, retryAfterMs: null };
}

function final(lease: Lease, outcome: 'ok' | 'cancelled', error: GatewayError): AttemptResult {
  lease.release(outcome);
  return { kind: 'final', error };
}

async function readError(res: UpstreamResponse, attempt: Attempt, label: string, retryAfter: string | null): Promise<GatewayError> {
  let text: string;
  try {
    text = await res.text();
  } catch (cause) {
    return attempt.error() ?? errors.backendBadResponse(label, `connection lost while reading the body (${describe(cause)})`);
  } finally {
    attempt.release();
  }
  return mapBackendError(label, res.status, text, retryAfter);
}

export function describe(cause: unknown): string {
  if (cause instanceof GatewayError) return cause.message;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code ?? (cause.cause as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
  }
  return String(cause);
}
