import type { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { Principal } from '../auth/principal.ts';
import type { TranslatableApi } from '../config/model-apis.ts';
import type { ModelEntry } from '../config/snapshot.ts';
import type { Clock } from '../deps.ts';
import { handOver, touchesLaunched, type Owner } from '../cluster/relay-to-owner.ts';
import { errors } from '../errors/errors.ts';
import type { ErrorFormat } from '../errors/to-error-response.ts';
import { hasLimits, type LimitScope } from '../limits/rate-limiter.ts';
import { completeResponse } from '../middleware/gateway-headers.ts';
import { readJsonBody } from '../middleware/read-json-body.ts';
import { openCache } from '../cache/open-cache.ts';
import type { GatewayMetrics } from '../observability/gateway-metrics.ts';
import { overheadMs, round } from '../observability/request-log.ts';
import { traceContext } from '../observability/traceparent.ts';
import { UpstreamBodies } from '../proxy/build-upstream-body.ts';
import { committedStream, inTime } from '../proxy/early-commit.ts';
import { endpointMode, endpoints, servedLabels, type EndpointName } from '../proxy/endpoints.ts';
import { forward, type Forwarded } from '../proxy/forward.ts';
import { resolveRoute } from '../proxy/resolve-route.ts';
import { sendShadow } from '../proxy/shadow.ts';
import { translateForwarded, translateRequest } from '../proxy/translated.ts';
import { requestPriority } from '../queue/priority.ts';
import type { GatewayRuntime } from '../runtime/gateway-runtime.ts';
import { validateBody } from '../schemas/validate-body.ts';
import type { SnapshotServices } from '../snapshot-services.ts';
import type { ConfigSnapshot } from '../config/snapshot.ts';
import { addRoute } from './add-route.ts';
import { countTokensRoute, detokenizeRoute, messagesRoute, rerankRoute, responsesRoute, scoreRoute, tokenizeRoute } from './api-route-specs.ts';
import { bodySchemaOf, chatCompletionsRoute, completionsRoute, embeddingsRoute } from './route-specs.ts';

const specs = {
  chat: chatCompletionsRoute,
  completions: completionsRoute,
  embeddings: embeddingsRoute,
  responses: responsesRoute,
  messages: messagesRoute,
  count_tokens: countTokensRoute,
  rerank: rerankRoute,
  score: scoreRoute,
  tokenize: tokenizeRoute,
  detokenize: detokenizeRoute,
};
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };
/** The error event a failed stream ends with, per API the client speaks. */
const STREAM_ERRORS: Partial<Record<EndpointName, ErrorFormat>> = { messages: 'anthropic', responses: 'responses' };

export interface ProxyRouteDeps {
  services: (snapshot: ConfigSnapshot) => SnapshotServices;
  runtime: GatewayRuntime;
  metrics: GatewayMetrics;
  clock: Clock;
  random: () => number;
  /** Worker 1, on the other workers (`--workers N`): requests that may need a launched model go to it. */
  owner: Owner | null;
}

/**
 * Every model-routed POST (chat, completions, embeddings, Responses, Anthropic Messages,
 * rerank, score, tokenize), also under each configured path prefix (`/coder/v1/...`, whose
 * model is fixed), as one short pipeline: read and validate, resolve the model (split,
 * allow-list), arm the request's deadline, admit through the limiter, forward (queue,
 * targets, retries, fallbacks), answer; translated models turn the request into chat
 * and the answer back.
 */
export function registerProxyRoutes(app: OpenAPIHono<AppEnv>, deps: ProxyRouteDeps): void {
  const keepRunning = createKeepRunning();
  for (const name of Object.keys(endpoints) as EndpointName[]) {
    addRoute(app, specs[name], createProxyHandler(name, deps, keepRunning, false));
    app.post(`/:prefix${endpoints[name].path}`, createProxyHandler(name, deps, keepRunning, true));
  }
}

function createProxyHandler(name: EndpointName, deps: ProxyRouteDeps, keepRunning: (c: Context<AppEnv>, work: Promise<void>) => void, prefixed: boolean) {
  const schema = bodySchemaOf(specs[name]) as z.ZodType<{ model: string }>;
  const endpoint = endpoints[name];
  return async (c: Context<AppEnv>): Promise<Response> => {
    // c.get: c.var builds a new object on every access
    const snapshot = c.get('snapshot');
    const log = c.get('log');
    const requestId = c.get('requestId');
    const principal = c.get('principal');
    const scope = c.get('scope');
    // the plain routes have no prefix: no parameter lookup on the hot path
    const prefix = prefixed ? c.req.param('prefix') : undefined;
    const bound = prefix === undefined ? undefined : snapshot.routes.get(`/${prefix}`);
    if (prefix !== undefined && bound === undefined) throw errors.routeNotFound(c.req.method, c.req.path);
    const body = await readJsonBody(c.req.raw, snapshot.server.max_body_bytes, snapshot.server.max_json_depth);
    // a prefix route serves its model whatever the body says
    if (bound !== undefined) body.model = bound;
    const request = validateBody(schema, body);
    const route = resolveRoute(snapshot, request.model, principal, body.user, deps.runtime);
    const model = route.model;
    const mode = endpointMode(model, name);
    if (!mode) throw errors.unsupportedEndpoint(request.model, endpoint.label, servedLabels(model));
    const translated = mode === 'translate' ? translateRequest(endpoint.api as TranslatableApi, body) : null;
    // a fallback serves the API the way the first model does, or is not tried
    const chain = route.chain.length === 1 ? route.chain : route.chain.filter((m) => m === model || endpointMode(m, name) === mode);
    if (deps.owner && touchesLaunched(chain)) return handOver(c, deps.owner, JSON.stringify(body));
    const upstream: EndpointName = translated ? 'chat' : name;
    const upstreamBody = translated ? translated.chat : body;
    const stream = endpoint.streams && body.stream === true;
    const priority = requestPriority(c.req.header('x-request-priority'), principal.priority);
    log.model = model.name;
    log.stream = stream;
    log.key = principal.label;
    if (route.split) log.route = route.split.name;
    if (prefix !== undefined) log.route = `/${prefix}`;
    if (priority !== 0) log.priority = priority;
    // everything from here on, waiting in a queue included, is inside the request's deadline
    scope.begin(model.timeouts.total, model.name);

    const scopes = limitScopes(principal, model, route.split);
    const admitted = scopes.length ? deps.services(snapshot).limiter.admit(scopes, model.timeouts.total + 60_000) : null;
    const admission = admitted instanceof Promise ? await admitted : admitted;
    if (admission) scope.onEnd(() => admission.finish((log.prompt_tokens ?? 0) + (log.completion_tokens ?? 0)));
    // the response cache (src/cache/): a hit, or an identical request's answer, ends the request here
    const modelCache = model.cache ? deps.runtime.model(model).cache : null;
    const cache = modelCache ? await openCache({ cache: modelCache, model, endpoint: name, body, stream, principal, headers: c.req.raw.headers, scope, log, clock: deps.clock, startedAt: c.get('startedAt'), requestId, limitHeaders: admission?.headers }) : null;
    if (cache instanceof Response) return cache;

    // only chat and completions streams need asking for usage; translation asks itself
    const needUsage = !translated && (name === 'chat' || name === 'completions') && (cache !== null || scopes.some((s) => s.limits.tpm !== undefined) || (snapshot.metrics.enabled && snapshot.metrics.stream_usage));
    const askUsage = stream && needUsage && !clientAskedUsage(body);
    // a stream being recorded keeps its usage event (a later hit may want it): the cache hides it instead
    const hideUsage = askUsage && cache === null;
    const bodies = new UpstreamBodies(upstream, upstreamBody, askUsage ? { ...asObject(body.stream_options), include_usage: true } : null);
    const trace = traceContext(snapshot.server.traceparent, c.req.header('traceparent') ?? null, c.req.header('tracestate') ?? null);
    if (trace) log.trace_id = trace.traceId;
    const upstreamHeaders: Record<string, string> = { ...trace?.headers, 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json', 'x-request-id': requestId };
    if (endpoint.api === 'messages' && !translated) copyAnthropicHeaders(c.req.raw.headers, upstreamHeaders);
    const keepalive = stream && snapshot.server.keepalive_after > 0 ? { afterMs: snapshot.server.keepalive_after, intervalMs: snapshot.server.keepalive_interval } : undefined;
    const errorFormat = STREAM_ERRORS[name] ?? 'openai';

    const handedOver = deps.clock.now();
    const forwarded = forward({
      chain,
      endpoint: upstream,
      bodies,
      headers: upstreamHeaders,
      stream,
      hideUsage,
      keepalive,
      errorFormat: translated ? 'openai' : errorFormat,
      scope,
      runtime: deps.runtime,
      retry: snapshot.server.retry,
      priority,
      affinity: { key: principal.kind === 'anonymous' ? null : principal.name, user: body.user, headers: c.req.raw.headers },
      clock: deps.clock,
      log,
      random: deps.random,
    });
    const ctx = translated && { model: request.model, requestId, now: Math.floor(deps.clock.wall() / 1000) };
    const answered = translated && ctx ? forwarded.then((fwd) => translateForwarded(translated.translation, fwd, ctx)) : forwarded;
    const pending = cache ? cache.record(answered) : answered;
    if (cache) keepRunning(c, cache.done);
    const shadow = model.shadow;
    if (shadow && deps.random() < shadow.sample) {
      const target = snapshot.byName.get(shadow.model);
      const headers = { ...upstreamHeaders, 'x-request-id': `${requestId}-shadow` };
      const copy = target && endpointMode(target, upstream) === 'native' && sendShadow({ from: model, shadow: target, endpoint: upstream, body: () => bodies.for(target), headers, maxConcurrent: shadow.max_concurrent }, deps);
      if (copy) keepRunning(c, copy);
    }

    let answer: Forwarded | null;
    try {
      answer = keepalive ? await inTime(pending, keepalive.afterMs) : await pending;
    } finally {
      log.upstream_ms = round(deps.clock.now() - handedOver - (log.queue_ms ?? 0));
    }
    const headers: Record<string, string> = answer ? answer.headers : { ...SSE_HEADERS };
    if (answer) headers['x-modeltainer-model'] = answer.model.name;
    if (log.cache) headers['x-modeltainer-cache'] = log.cache;
    if (admission) Object.assign(headers, admission.headers);
    log.overhead_ms = overheadMs(log, c.get('startedAt'), deps.clock.now());
    // still waiting for the backend after keepalive_after: commit the stream now, keep it alive
    const out = answer ? answer.body : committedStream(pending, keepalive!.intervalMs, scope, log, errorFormat);
    return completeResponse(out, answer ? answer.status : 200, headers, requestId, log.overhead_ms);
  };
}

/** Anthropic's version and beta headers reach a backend that speaks Messages itself. */
function copyAnthropicHeaders(from: Headers, to: Record<string, string>): void {
  for (const h of ['anthropic-version', 'anthropic-beta']) {
    const v = from.get(h);
    if (v !== null) to[h] = v;
  }
}

/** Work that outlives the response: on Workers the isolate must be told to wait for it. */
function createKeepRunning(): (c: Context<AppEnv>, work: Promise<void>) => void {
  // Hono's getter throws where there is no execution context (Node, Bun, Deno: the process keeps
  // running anyway); building that error on every request costs more than the rest of the copy
  let none = false;
  return (c, work) => {
    if (none) return;
    try {
      c.executionCtx.waitUntil(work);
    } catch {
      none = true;
    }
  };
}

function limitScopes(principal: Principal, model: ModelEntry, split: ModelEntry | null): LimitScope[] {
  const scopes: LimitScope[] = [];
  if (hasLimits(principal.limits)) scopes.push({ id: `key:${principal.name}`, limits: principal.limits });
  if (split?.limits && hasLimits(split.limits)) scopes.push({ id: `model:${split.name}`, limits: split.limits });
  if (model.limits && hasLimits(model.limits)) scopes.push({ id: `model:${model.name}`, limits: model.limits });
  return scopes;
}

function clientAskedUsage(body: Record<string, unknown>): boolean {
  return asObject(body.stream_options).include_usage === true;
}

function asObject(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
