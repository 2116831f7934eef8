import { completeResponse } from '../middleware/gateway-headers.ts';
import { overheadMs, round } from '../observability/request-log.ts';
import type { CacheEntry, CachedUsage } from './cache-entry.ts';
import type { CacheRequest } from './cache-request.ts';
import { usageFilterFor } from './cache-request.ts';
import type { Recording, StreamReader } from './recording.ts';
import { replayStream } from './replay.ts';

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };

/**
 * The answer from the cache: a stored entry, or the live stream of an identical request on
 * its way (coalesced). The request log says where it came from (backend `cache`) and carries
 * the stored usage, so token metrics and tpm limits count a hit as they count a miss.
 */
export function cachedResponse(req: CacheRequest, from: { entry: CacheEntry } | { recording: Recording; usage: () => CachedUsage | null }): Response {
  const { log, clock } = req;
  log.cache = 'hit';
  log.backend = 'cache';
  const headers: Record<string, string> = { 'x-modeltainer-model': req.model.name, 'x-modeltainer-cache': 'hit', ...req.limitHeaders };
  let body: string | ReadableStream<Uint8Array>;
  let status = 200;
  if ('entry' in from) {
    const entry = from.entry;
    countUsage(req, entry.usage);
    status = entry.status;
    headers.age = String(Math.max(0, Math.floor((clock.wall() - entry.storedAt) / 1000)));
    if (entry.kind === 'body') {
      headers['content-type'] = entry.contentType;
      log.ttfb_ms = round(clock.now() - req.startedAt);
      body = entry.body;
    } else {
      Object.assign(headers, SSE_HEADERS, { 'content-type': entry.contentType });
      body = replayStream(entry.chunks, entry.gaps, req.cache.settings.replay === 'paced', streamReader(req));
    }
  } else {
    Object.assign(headers, SSE_HEADERS);
    const r = streamReader(req);
    // the usage is known at the end of the stream being recorded
    body = from.recording.read({ ...r, onEnd: (cancelled) => (countUsage(req, from.usage()), r.onEnd!(cancelled)) });
  }
  log.overhead_ms = overheadMs(log, req.startedAt, clock.now());
  return completeResponse(body, status, headers, req.requestId, log.overhead_ms);
}

function streamReader(req: CacheRequest): StreamReader {
  const { log, scope, clock } = req;
  // the request ends with its stream: the log line, metrics and limiter settle then
  scope.hold();
  return {
    filter: usageFilterFor(req),
    onFirstChunk: () => (log.ttfb_ms = round(clock.now() - req.startedAt)),
    onEnd: (cancelled) => {
      if (cancelled) {
        log.status = 499;
        log.error_code = 'client_closed_request';
      }
      scope.end();
    },
  };
}

function countUsage(req: CacheRequest, usage: CachedUsage | null): void {
  if (!usage) return;
  req.log.prompt_tokens = usage.prompt_tokens;
  req.log.completion_tokens = usage.completion_tokens;
}
