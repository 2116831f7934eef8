import type { Principal } from '../auth/principal.ts';
import type { ModelEntry } from '../config/snapshot.ts';
import type { Clock } from '../deps.ts';
import type { RequestLog } from '../observability/request-log.ts';
import { endpointMode, type EndpointName } from '../proxy/endpoints.ts';
import { createUsageEventFilter, type UsageEventFilter } from '../proxy/usage-event-filter.ts';
import type { RequestScope } from '../request/request-scope.ts';
import type { ModelCache } from './model-cache.ts';

/** A request to a model that caches, as the proxy route hands it over. */
export interface CacheRequest {
  cache: ModelCache;
  /** The model the request resolved to (the first of its chain). */
  model: ModelEntry;
  /** The API the client called. */
  endpoint: EndpointName;
  /** The client's body, validated. */
  body: Readonly<Record<string, unknown>>;
  stream: boolean;
  principal: Principal;
  headers: Headers;
  scope: RequestScope;
  log: RequestLog;
  clock: Clock;
  /** clock.now() when the request arrived */
  startedAt: number;
  requestId: string;
  /** The limiter's x-ratelimit-* headers. */
  limitHeaders?: Record<string, string>;
}

/**
 * The usage event comes out of a chat or completions stream the client did not ask it of:
 * the gateway always asks the backend for it when it records a stream (a later hit may be a
 * client that wants it), and the cache removes it, as the relay does otherwise.
 */
export function usageFilterFor(req: CacheRequest): UsageEventFilter | undefined {
  if (!req.stream || (req.endpoint !== 'chat' && req.endpoint !== 'completions') || endpointMode(req.model, req.endpoint) !== 'native') return undefined;
  const options = req.body.stream_options;
  const asked = options !== null && typeof options === 'object' && (options as Record<string, unknown>).include_usage === true;
  return asked ? undefined : createUsageEventFilter();
}
