import type { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import type { ModelEntry } from '../config/snapshot.ts';
import type { Clock } from '../deps.ts';
import { errors } from '../errors/errors.ts';
import { hasLimits, type LimitScope, type RateLimiter } from '../limits/rate-limiter.ts';
import { readJsonBody } from '../middleware/read-json-body.ts';
import { backendLabel } from '../proxy/backend-label.ts';
import { buildUpstreamBody } from '../proxy/build-upstream-body.ts';
import { endpoints, servesEndpoint, upstreamUrl, type EndpointName } from '../proxy/endpoints.ts';
import { forward, type Forwarded } from '../proxy/forward.ts';
import { completeResponse } from '../middleware/gateway-headers.ts';
import { SIM_ORIGIN } from '../proxy/transports.ts';
import { validateBody } from '../schemas/validate-body.ts';
import { round } from '../observability/request-log.ts';
import { traceContext } from '../observability/traceparent.ts';
import type { SnapshotServices } from '../snapshot-services.ts';
import type { ConfigSnapshot } from '../config/snapshot.ts';
import { addRoute } from './add-route.ts';
import { bodySchemaOf, chatCompletionsRoute, completionsRoute, embeddingsRoute } from './route-specs.ts';

const specs = { chat: chatCompletionsRoute, completions: completionsRoute, embeddings: embeddingsRoute };

export interface ProxyRouteDeps {
  services: (snapshot: ConfigSnapshot) => SnapshotServices;
  limiter: RateLimiter;
  clock: Clock;
}

/** POST /v1/chat/completions, /v1/completions, /v1/embeddings: validate, authorize, limit, forward. */
export function registerProxyRoutes(app: OpenAPIHono<AppEnv>, deps: ProxyRouteDeps): void {
  for (const name of Object.keys(endpoints) as EndpointName[]) {
    const schema = bodySchemaOf(specs[name]) as z.ZodType<{ model: string }>;
    addRoute(app, specs[name], async (c) => {
      const { snapshot, log, requestId, principal } = c.var;
      const body = await readJsonBody(c.req.raw, snapshot.server.max_body_bytes, snapshot.server.max_json_depth);
      const request = validateBody(schema, body);
      const model = snapshot.byName.get(request.model);
      // a model the caller may not use answers exactly like one that does not exist
      if (!model || !(principal.mayUse(request.model) || principal.mayUse(model.name))) throw errors.modelNotFound(request.model);
      if (!servesEndpoint(model, name)) throw errors.unsupportedEndpoint(request.model, endpoints[name].label);

      const stream = name !== 'embeddings' && body.stream === true;
      const backend = backendLabel(model);
      Object.assign(log, { model: model.name, backend, target: backend, stream, key: principal.label });

      const scopes = limitScopes(principal.name, principal.limits, model);
      const admitted = scopes.length ? deps.limiter.admit(scopes, model.timeouts.total + 60_000) : null;
      const admission = admitted instanceof Promise ? await admitted : admitted;
      const upstreamBody = buildUpstreamBody(model, name, body);
      const needUsage = scopes.some((s) => s.limits.tpm !== undefined) || (snapshot.metrics.enabled && snapshot.metrics.stream_usage);
      const hideUsage = stream && needUsage && !clientAskedUsage(body);
      if (hideUsage) upstreamBody.stream_options = { ...asObject(body.stream_options), include_usage: true };

      const trace = traceContext(snapshot.server.traceparent, c.req.header('traceparent') ?? null, c.req.header('tracestate') ?? null);
      if (trace) log.trace_id = trace.traceId;
      let forwarded: Forwarded;
      const handedOver = deps.clock.now();
      try {
        forwarded = await forward({
          model,
          backend,
          stream,
          hideUsage,
          retry: model.retry ?? snapshot.server.retry,
          transport: deps.services(snapshot).transportFor(model),
          clientSignal: c.req.raw.signal,
          clock: deps.clock,
          log,
          request: {
            url: upstreamUrl(model.backend_url ?? SIM_ORIGIN, name),
            method: 'POST',
            headers: {
              ...model.headers,
              ...trace?.headers,
              'content-type': 'application/json',
              accept: stream ? 'text/event-stream' : 'application/json',
              'x-request-id': requestId,
            },
            body: JSON.stringify(upstreamBody),
            connectTimeoutMs: model.timeouts.connect,
          },
        });
      } catch (err) {
        admission?.finish(0);
        throw err;
      } finally {
        log.upstream_ms = round(deps.clock.now() - handedOver);
      }
      const headers = forwarded.headers;
      if (admission) {
        const count = () => admission.finish((log.prompt_tokens ?? 0) + (log.completion_tokens ?? 0));
        if (log.done) void log.done.then(count);
        else count();
        Object.assign(headers, admission.headers);
      }
      log.overhead_ms = round(deps.clock.now() - c.var.startedAt - (log.upstream_ms ?? 0));
      return completeResponse(forwarded.body, forwarded.status, headers, requestId, log.overhead_ms);
    });
  }
}

function limitScopes(keyName: string, keyLimits: LimitScope['limits'], model: ModelEntry): LimitScope[] {
  const scopes: LimitScope[] = [];
  if (hasLimits(keyLimits)) scopes.push({ id: `key:${keyName}`, limits: keyLimits });
  if (model.limits && hasLimits(model.limits)) scopes.push({ id: `model:${model.name}`, limits: model.limits });
  return scopes;
}

function clientAskedUsage(body: Record<string, unknown>): boolean {
  return asObject(body.stream_options).include_usage === true;
}

function asObject(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
