import type { RetryConfig } from '../config/schema.ts';
import type { ModelEntry } from '../config/snapshot.ts';
import type { Clock, UpstreamFetch, UpstreamRequest, UpstreamResponse } from '../deps.ts';
import { errors } from '../errors/errors.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { round, type RequestLog } from '../observability/request-log.ts';
import { mapBackendError } from './backend-error.ts';
import { relayStream } from './relay-stream.ts';
import { RequestScope, type Attempt } from './request-scope.ts';
import { RETRYABLE_STATUS, parseRetryAfter, retryDelayMs, sleep } from './retry-policy.ts';
import { createUsageEventFilter } from './usage-event-filter.ts';
import { extractTimings, extractUsage } from './usage.ts';

export interface ForwardInput {
  model: ModelEntry;
  backend: string;
  request: Omit<UpstreamRequest, 'signal'>;
  stream: boolean;
  retry: RetryConfig;
  transport: UpstreamFetch;
  clientSignal: AbortSignal;
  clock: Clock;
  log: RequestLog;
  /** The gateway added include_usage for its own accounting: hide the usage event from the client. */
  hideUsage?: boolean;
  random?: () => number;
}

/**
 * What goes back to the client, not yet a Response: the route adds its own headers
 * first, so the Response is built once with a plain header record (Node's server
 * writes that without ever building a Headers object).
 */
export interface Forwarded {
  status: number;
  body: string | ReadableStream<Uint8Array>;
  headers: Record<string, string>;
}

type Outcome = { retry: true; retryAfterMs: number | null } | { retry: false; response: Forwarded };

/**
 * Sends a request to the backend and returns the client's response. Retries
 * (backoff + jitter, honouring Retry-After) happen only before anything has been
 * sent to the client; after that, failures end the stream in-band.
 */
export async function forward(input: ForwardInput): Promise<Forwarded> {
  const { model, retry, clock, log } = input;
  const scope = new RequestScope(input.clientSignal, model.timeouts.total, input.backend);
  const started = clock.now();
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= retry.attempts;
    let outcome: Outcome;
    try {
      outcome = await tryOnce(input, scope, started, last);
    } catch (err) {
      scope.dispose();
      throw err;
    }
    if (!outcome.retry) return outcome.response;
    log.retries++;
    try {
      await sleep(retryDelayMs(retry, attempt, outcome.retryAfterMs, input.random ?? Math.random), scope.signal);
    } catch {
      scope.dispose();
      throw scope.errorFor(scope.signal) ?? errors.backendUnreachable(input.backend, 'aborted');
    }
  }
}

async function tryOnce(input: ForwardInput, scope: RequestScope, started: number, last: boolean): Promise<Outcome> {
  const { model, retry, backend } = input;
  const attempt = scope.attempt(model.timeouts.first_byte);
  let res: UpstreamResponse;
  try {
    res = await input.transport({ ...input.request, signal: attempt.signal });
  } catch (cause) {
    attempt.release();
    const aborted = scope.errorFor(attempt.signal);
    if (aborted) throw aborted;
    if (!last) return { retry: true, retryAfterMs: null };
    throw errors.backendUnreachable(backend, describe(cause));
  }

  if (res.status >= 400) {
    const retryAfter = res.headers.get('retry-after');
    const retryAfterMs = parseRetryAfter(retryAfter, Date.now());
    if (!last && RETRYABLE_STATUS.has(res.status) && (retryAfterMs ?? 0) <= retry.max_delay) {
      attempt.release();
      res.body?.cancel().catch(() => undefined);
      return { retry: true, retryAfterMs };
    }
    const text = await readOrFail(res, attempt, scope, backend);
    throw mapBackendError(backend, res.status, text, retryAfter);
  }

  const contentType = res.headers.get('content-type') ?? '';
  if (contentType.startsWith('text/event-stream') !== input.stream) {
    attempt.release();
    res.body?.cancel().catch(() => undefined);
    const expected = input.stream ? 'an SSE stream' : 'a JSON body';
    throw errors.backendBadResponse(backend, `expected ${expected}, got Content-Type '${contentType || 'none'}'`);
  }

  if (!input.stream) {
    const text = await readOrFail(res, attempt, scope, backend);
    scope.dispose();
    input.log.ttfb_ms = round(input.clock.now() - started);
    recordUsage(input.log, text);
    return { retry: false, response: { status: res.status, body: text, headers: { 'content-type': contentType } } };
  }

  if (!res.body) {
    attempt.release();
    throw errors.backendBadResponse(backend, 'empty stream body');
  }
  return { retry: false, response: streamResponse(input, res.body, contentType, attempt, scope, started) };
}

function streamResponse(
  input: ForwardInput,
  body: ReadableStream<Uint8Array>,
  contentType: string,
  attempt: Attempt,
  scope: RequestScope,
  started: number,
): Forwarded {
  const { log, clock } = input;
  let finish: () => void = () => undefined;
  log.done = new Promise<void>((resolve) => (finish = resolve));
  const relayed = relayStream(body, {
    filter: input.hideUsage ? createUsageEventFilter() : undefined,
    onFirstChunk: () => {
      attempt.firstByte();
      log.ttfb_ms = round(clock.now() - started);
    },
    cancelUpstream: () => attempt.abort({ kind: 'client' }),
    toError: (cause) => scope.errorFor(attempt.signal) ?? errors.backendStreamFailed(input.backend, describe(cause)),
    onEnd: ({ tail, error, cancelled }) => {
      attempt.release();
      scope.dispose();
      recordUsage(log, tail);
      // a client gone before the relay noticed comes back as the 499 error instead of a cancel
      if (cancelled || error?.status === 499) {
        log.status = 499;
        log.error_code = 'client_closed_request';
      } else if (error) log.error_code = error.code ?? 'stream_error';
      finish();
    },
  });
  return {
    status: 200,
    body: relayed,
    headers: { 'content-type': contentType, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
  };
}

async function readOrFail(res: UpstreamResponse, attempt: Attempt, scope: RequestScope, backend: string): Promise<string> {
  try {
    return await res.text();
  } catch (cause) {
    throw scope.errorFor(attempt.signal) ?? errors.backendBadResponse(backend, `connection lost while reading the body (${describe(cause)})`);
  } finally {
    attempt.release();
  }
}

function recordUsage(log: RequestLog, text: string): void {
  const usage = extractUsage(text);
  if (usage) {
    log.prompt_tokens = usage.prompt_tokens;
    log.completion_tokens = usage.completion_tokens;
  }
  const timings = extractTimings(text);
  if (timings) {
    log.backend_prompt_tps = timings.prompt_per_second;
    log.backend_generation_tps = timings.predicted_per_second;
  }
}

function describe(cause: unknown): string {
  if (cause instanceof GatewayError) return cause.message;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code ?? (cause.cause as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
  }
  return String(cause);
}
