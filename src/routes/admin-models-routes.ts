import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import type { Clock } from '../deps.ts';
import { errors } from '../errors/errors.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import type { EventBus, LifecycleEvent } from '../lifecycle/events.ts';
import type { LifecycleManager } from '../lifecycle/lifecycle-manager.ts';
import type { GatewayRuntime } from '../runtime/gateway-runtime.ts';
import type { RecentRequests } from '../observability/recent-requests.ts';
import type { ModelRuntime } from '../runtime/model-runtime.ts';
import { addRoute } from './add-route.ts';
import { requireAdmin } from './admin-routes.ts';
import { adminEventsRoute, adminModelActionRoute, adminModelsRoute } from './admin-specs.ts';

export interface AdminModelsDeps {
  runtime: GatewayRuntime;
  lifecycle: LifecycleManager;
  events: EventBus<LifecycleEvent>;
  recent: RecentRequests;
  clock: Clock;
}

const encoder = new TextEncoder();
const KEEPALIVE_MS = 15_000;

/** GET /admin/models, POST /admin/models/{name}/{start|stop|sleep|reset}, GET /admin/events (SSE). */
export function registerAdminModelsRoutes(app: OpenAPIHono<AppEnv>, deps: AdminModelsDeps): void {
  addRoute(app, adminModelsRoute, async (c) => {
    await requireAdmin(c);
    const models = deps.runtime.all().filter((rt) => rt.managed !== null).map((rt) => describe(rt, deps.clock));
    return c.json({ models });
  });

  addRoute(app, adminModelActionRoute, async (c) => {
    await requireAdmin(c);
    const { name, action } = c.req.param() as { name: string; action: string };
    const rt = deps.runtime.get(name);
    if (!rt?.managed || rt.retired) throw new GatewayError({ status: 404, message: `No launched model named ${name}.`, param: 'name', code: 'model_not_found' });
    if (action === 'start') deps.lifecycle.startModel(name);
    else if (action === 'stop') deps.lifecycle.drain(name, 'stop');
    else if (action === 'reset') deps.lifecycle.reset(name);
    else if (action === 'sleep') {
      if (rt.entry.idle !== 'sleep') throw errors.invalidField('action', `Model ${name} does not sleep: its config has no idle: sleep (a vLLM engine started with --enable-sleep-mode).`);
      rt.managed.sleepLevel = rt.entry.sleep_level;
      deps.lifecycle.drain(name, 'sleep');
    } else throw errors.invalidField('action', `Unknown action ${action}: use start, stop, sleep or reset.`);
    return c.json({ model: name, state: rt.managed.state, action }, 202);
  });

  addRoute(app, adminEventsRoute, async (c) => {
    await requireAdmin(c);
    const signal = c.req.raw.signal;
    let unsubscribe = () => undefined as unknown;
    let unsubscribeRequests = () => undefined as unknown;
    let timer: ReturnType<typeof setInterval> | undefined;
    const stop = () => {
      unsubscribe();
      unsubscribeRequests();
      if (timer !== undefined) clearInterval(timer);
    };
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (event: string, data: unknown) => controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        send('snapshot', { models: deps.runtime.all().map((rt) => deps.lifecycle.eventOf(rt)) });
        unsubscribe = deps.events.subscribe((e) => send('model', e));
        // finished requests for the status page: the last 15 minutes first, then each as it ends
        send('requests', { requests: deps.recent.list(deps.clock.wall()) });
        unsubscribeRequests = deps.recent.bus.subscribe((e) => send('request', e));
        timer = setInterval(() => controller.enqueue(encoder.encode(': keep-alive\n\n')), KEEPALIVE_MS);
        signal.addEventListener('abort', stop, { once: true });
      },
      cancel: stop,
    });
    return c.body(body, 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  });
}

function describe(rt: ModelRuntime, clock: Clock) {
  const m = rt.managed!;
  const target = rt.launchedState;
  return {
    model: rt.name,
    state: m.state,
    pid: m.pid,
    container: m.container,
    url: m.baseUrl,
    device: m.device,
    memory_bytes: m.memory,
    last_used: rt.lastUsed > 0 ? new Date(clock.wall() - (clock.now() - rt.lastUsed)).toISOString() : null,
    last_start_ms: m.lastStartMs === null ? null : Math.round(m.lastStartMs),
    last_ready_at: m.starts > 0 && m.readyAt > 0 ? new Date(clock.wall() - (clock.now() - m.readyAt)).toISOString() : null,
    sleeps: rt.entry.idle === 'sleep',
    starts: m.starts,
    failures: m.failures,
    last_error: m.lastError,
    requests: target?.sent ?? 0,
    in_flight: rt.inFlight,
    queued: rt.queued,
  };
}
