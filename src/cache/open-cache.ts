import { clientClosed } from '../errors/errors.ts';
import { round, type RequestLog } from '../observability/request-log.ts';
import type { Forwarded } from '../proxy/attempt-target.ts';
import { buildUpstreamBody } from '../proxy/build-upstream-body.ts';
import type { CacheEntry, CachedUsage } from './cache-entry.ts';
import { utf8Length } from './cache-entry.ts';
import type { CacheRequest } from './cache-request.ts';
import { usageFilterFor } from './cache-request.ts';
import { cachedResponse } from './cache-response.ts';
import { bodyIsComplete, streamEndedCleanly, tailText } from './clean-end.ts';
import { Flight, waitForFlight } from './flight.ts';
import { Recording } from './recording.ts';
import { isDeterministic } from './request-key.ts';

/**
 * The response cache's step of the proxy pipeline, after the limiter admitted the request and
 * before it is forwarded. Resolves with the answer (a hit, or the answer of an identical
 * request that was on its way), with a `CacheMiss` that records what the backend answers, or
 * with null when the request skips the cache (`x-modeltainer-cache: bypass`).
 *
 * @example
 * const cache = model.cache ? await openCache({ cache: rt.cache, model, ... }) : null;
 * if (cache instanceof Response) return cache;
 * const pending = cache ? cache.record(forward(...)) : forward(...);
 */
export async function openCache(req: CacheRequest): Promise<Response | CacheMiss | null> {
  const { cache, log } = req;
  const settings = cache.settings;
  const body = buildUpstreamBody(req.model, req.endpoint, req.body);
  if (req.principal.noCache || skipsCache(req.headers.get('cache-control')) || (settings.only_deterministic && !isDeterministic(req.endpoint, body))) {
    cache.bypasses++;
    log.cache = 'bypass';
    return null;
  }
  const anthropic = req.endpoint === 'messages' || req.endpoint === 'count_tokens' ? [req.headers.get('anthropic-version'), req.headers.get('anthropic-beta')] : undefined;
  const key = cache.key({ endpoint: req.endpoint, stream: req.stream, caller: settings.per_key ? req.principal.name : null, body, anthropic });
  const entry = await cache.lookup(key);
  if (entry && (entry.kind === 'stream') === req.stream) {
    cache.hits++;
    return cachedResponse(req, { entry });
  }
  const flight = cache.flights.get(key);
  if (flight && settings.coalesce_timeout > 0) {
    const since = req.clock.now();
    const signal = req.scope.signal;
    const result = await waitForFlight(flight, settings.coalesce_timeout, signal, () => req.scope.errorFor(signal) ?? clientClosed());
    log.cache_wait_ms = round(req.clock.now() - since);
    const live = result !== 'timeout' && result !== null && ('entry' in result || result.recording.state === 'live' || result.recording.state === 'done');
    if (live) {
      cache.hits++;
      cache.coalesced++;
      log.cache_coalesced = true;
      return 'entry' in result ? cachedResponse(req, { entry: result.entry }) : cachedResponse(req, { recording: result.recording, usage: () => usageOf(flight.leader) });
    }
    // it failed or took too long: go to the backend too (the answer is stored if it succeeds)
    cache.misses++;
    log.cache = 'miss';
    return new CacheMiss(req, key, null);
  }
  cache.misses++;
  log.cache = 'miss';
  return new CacheMiss(req, key, settings.coalesce_timeout > 0 ? new Flight(cache.flights, key, log) : null);
}

/** `Cache-Control: no-cache` or `no-store` from the client. */
function skipsCache(header: string | null): boolean {
  return header !== null && /(^|[\s,])no-(cache|store)([\s,=]|$)/i.test(header);
}

/**
 * A request the cache could not answer, on its way to the backend. `record` passes the answer
 * through and keeps a copy when it is complete and successful: a 2xx body, or a stream that
 * ended with its API's final event. Identical requests waiting on its flight get it too.
 */
export class CacheMiss {
  /** Resolves once the answer is stored or dropped: on Workers the isolate is asked to wait for it (waitUntil). */
  readonly done: Promise<void>;
  private finish!: () => void;

  constructor(
    private readonly req: CacheRequest,
    private readonly key: string,
    private readonly flight: Flight | null,
  ) {
    this.done = new Promise((resolve) => (this.finish = resolve));
    // whatever happens before an answer (an error, the client gone), waiters go themselves
    if (flight) req.scope.onEnd(() => flight.settle(null));
  }

  record(pending: Promise<Forwarded>): Promise<Forwarded> {
    return pending.then(
      (fwd) => this.accept(fwd),
      (err: unknown) => {
        this.drop();
        throw err;
      },
    );
  }

  private accept(fwd: Forwarded): Forwarded {
    const { req, flight } = this;
    // an error is never stored; nor is a fallback's answer under this model's key
    if (fwd.status < 200 || fwd.status >= 300 || fwd.model.name !== req.model.name) {
      this.drop();
      return fwd;
    }
    const base = { status: fwd.status, contentType: fwd.headers['content-type'] ?? 'application/json', model: fwd.model.name };
    if (typeof fwd.body === 'string') {
      const entry: CacheEntry = { ...base, kind: 'body', body: fwd.body, usage: usageOf(req.log), storedAt: req.clock.wall() };
      flight?.settle({ entry });
      if (utf8Length(fwd.body) <= req.cache.settings.max_entry_bytes && bodyIsComplete(fwd.body)) void this.save(entry);
      else this.drop();
      return fwd;
    }
    const recording = new Recording(fwd.body, () => req.clock.now(), (rec) => {
      const complete = rec.state === 'done' && req.log.error_code === undefined && rec.bytes <= req.cache.settings.max_entry_bytes && streamEndedCleanly(req.endpoint, tailText(rec.chunks));
      if (complete) void this.save({ ...base, kind: 'stream', chunks: rec.chunks, gaps: rec.gaps, usage: usageOf(req.log), storedAt: req.clock.wall() });
      else this.drop();
    });
    flight?.settle({ recording });
    return { ...fwd, body: recording.read({ filter: usageFilterFor(req) }) };
  }

  private async save(entry: CacheEntry): Promise<void> {
    await this.req.cache.save(this.key, entry);
    this.drop();
  }

  /** Nothing (more) to store: identical requests look in the store from now on. */
  private drop(): void {
    this.flight?.land();
    this.finish();
  }
}

function usageOf(log: RequestLog): CachedUsage | null {
  if (log.prompt_tokens === undefined && log.completion_tokens === undefined) return null;
  return { prompt_tokens: log.prompt_tokens ?? 0, completion_tokens: log.completion_tokens ?? 0 };
}
