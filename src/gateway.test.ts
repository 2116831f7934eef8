import { describe, expect, it } from 'vitest';
import { createConfigStore } from './config/config-store.ts';
import { parseConfig } from './config/parse-config.ts';
import type { LogRecord, UpstreamFetch } from './deps.ts';
import { createGateway } from './gateway.ts';
import { sha256Hex } from './auth/api-keys.ts';

const chat = (model: string, extra: Record<string, unknown> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, ...extra }),
});

const ok = (model: string) =>
  new Response(JSON.stringify({ model, choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }), { headers: { 'content-type': 'application/json' } });

function setup(yaml: string, upstream: UpstreamFetch = () => Promise.reject(new Error('unused')), server = '') {
  const logs: LogRecord[] = [];
  const config = createConfigStore(parseConfig(`version: 1\nserver: { retry: { attempts: 2, base_delay: 1ms }${server} }\n${yaml}`));
  const gw = createGateway({ config, upstream, logger: { log: (_l, r) => logs.push(r) } });
  return { gw, app: gw.app, logs, config };
}

describe('fallbacks', () => {
  it('a model whose every target fails before the first byte hands over to its fallback; the answer names it', async () => {
    const hosts: string[] = [];
    const { app, logs } = setup(
      `models:
  - { name: big, backend: vllm, targets: [{ url: "http://gpu-1:8000" }, { url: "http://gpu-2:8000" }], fallbacks: [small] }
  - { name: small, backend: llamacpp, backend_url: "http://cpu:8080" }
`,
      async (req) => {
        const host = new URL(req.url).host;
        hosts.push(host);
        if (host.startsWith('gpu-1')) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        if (host.startsWith('gpu-2')) return new Response('{"error":"boom"}', { status: 500, headers: { 'content-type': 'application/json' } });
        return ok(JSON.parse(String(req.body ?? '{}')).model);
      },
    );
    const res = await app.request('/v1/chat/completions', chat('big'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-modeltainer-model')).toBe('small');
    expect(((await res.json()) as { model: string }).model).toBe('small');
    expect(new Set(hosts.slice(0, 2))).toEqual(new Set(['gpu-1:8000', 'gpu-2:8000']));
    expect(hosts.at(-1)).toBe('cpu:8080');
    expect(logs.find((l) => l.msg === 'request')).toMatchObject({ model: 'small', fallback_from: 'big', status: 200 });
  });

  it('a backend 4xx is the client’s to fix: no fallback', async () => {
    const { app } = setup(
      `models:
  - { name: big, backend: vllm, backend_url: "http://gpu:8000", fallbacks: [small] }
  - { name: small, backend: llamacpp, backend_url: "http://cpu:8080" }
`,
      async () => new Response('{"error":{"message":"too long","type":"BadRequestError","code":400}}', { status: 400, headers: { 'content-type': 'application/json' } }),
    );
    const res = await app.request('/v1/chat/completions', chat('big'));
    expect(res.status).toBe(400);
  });
});

describe('split', () => {
  const SPLIT = `models:
  - { name: chat, split: [{ model: a, weight: 3 }, { model: b, weight: 1 }] }
  - { name: sticky, split: [{ model: a, weight: 1 }, { model: b, weight: 1 }], sticky: user }
  - { name: a, backend: vllm, backend_url: "http://a:8000" }
  - { name: b, backend: vllm, backend_url: "http://b:8000" }
`;
  it('keeps the weights exactly and reports the model actually used', async () => {
    const { app, logs } = setup(SPLIT, async (req) => ok(new URL(req.url).host));
    const counts: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const res = await app.request('/v1/chat/completions', chat('chat'));
      const m = res.headers.get('x-modeltainer-model') ?? '';
      counts[m] = (counts[m] ?? 0) + 1;
    }
    expect(counts).toEqual({ a: 300, b: 100 });
    expect(logs.filter((l) => l.msg === 'request').every((l) => l.route === 'chat')).toBe(true);
  });

  it('sticky per user: one user always gets the same member, users spread over both', async () => {
    const { app } = setup(SPLIT, async (req) => ok(new URL(req.url).host));
    const seen = new Map<string, Set<string>>();
    for (let i = 0; i < 60; i++) {
      const user = `u${i % 20}`;
      const res = await app.request('/v1/chat/completions', chat('sticky', { user }));
      const set = seen.get(user) ?? new Set<string>();
      set.add(res.headers.get('x-modeltainer-model') ?? '');
      seen.set(user, set);
    }
    for (const s of seen.values()) expect(s.size).toBe(1);
    expect(new Set([...seen.values()].map((s) => [...s][0]))).toEqual(new Set(['a', 'b']));
  });
});

describe('shadow', () => {
  it('a failing shadow changes neither the caller’s status nor body; its outcome is counted', async () => {
    const { app } = setup(
      `models:
  - { name: main, backend: vllm, backend_url: "http://main:8000", shadow: { model: candidate } }
  - { name: candidate, backend: vllm, backend_url: "http://candidate:8000", retry: { attempts: 1 } }
`,
      async (req) => {
        if (new URL(req.url).host.startsWith('candidate')) return new Response('broken', { status: 500 });
        return ok('main');
      },
    );
    for (let i = 0; i < 3; i++) {
      const res = await app.request('/v1/chat/completions', chat('main'));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-modeltainer-model')).toBe('main');
    }
    await new Promise((r) => setTimeout(r, 50));
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toContain('modeltainer_shadow_requests_total{model="main",shadow="candidate",outcome="error"} 3');
  });
});

describe('keep-alive while waiting for the first token', () => {
  it('commits the 200 and sends SSE comments until the backend answers, then its bytes', async () => {
    const { app } = setup(
      `models:
  - { name: slow, backend: sim, sim: { flavor: llamacpp, ttft: 450ms, token_delay: 1ms, max_tokens: 3 } }
`,
      undefined,
      ', keepalive_after: 100ms, keepalive_interval: 100ms',
    );
    const started = Date.now();
    const res = await app.request('/v1/chat/completions', chat('slow', { stream: true }));
    expect(Date.now() - started).toBeLessThan(400);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await res.text();
    const comments = text.split('\n\n').filter((e) => e === ': keep-alive');
    expect(comments.length).toBeGreaterThanOrEqual(3);
    expect(text.indexOf(': keep-alive')).toBe(0);
    expect(text.lastIndexOf(': keep-alive')).toBeLessThan(text.indexOf('data: {'));
    expect(text).toMatch(/data: \[DONE\]\n\n$/);
  });

  it('a failure after the commit ends the stream with the OpenAI error event', async () => {
    const { app } = setup(
      `models:
  - { name: m, backend: llamacpp, backend_url: "http://h:8080", retry: { attempts: 1 }, timeouts: { first_byte: 200ms } }
`,
      (req) => new Promise((_, reject) => req.signal.addEventListener('abort', () => reject(new Error('aborted')))),
      ', keepalive_after: 50ms, keepalive_interval: 100ms',
    );
    const res = await app.request('/v1/chat/completions', chat('m', { stream: true }));
    expect(res.status).toBe(200);
    const events = (await res.text()).trim().split('\n\n');
    expect(events[0]).toBe(': keep-alive');
    expect(JSON.parse(events.at(-1)!.replace(/^data: /, ''))).toMatchObject({ error: { code: 'backend_timeout', type: 'server_error' } });
  });
});

describe('admin routes', () => {
  it('are open while authentication is off; /admin/queue shows targets and waiters; reload without a source is 501', async () => {
    const { app } = setup('models:\n  - { name: m, backend: vllm, targets: [{ url: "http://a:1", max_concurrent: 2 }], max_queue: 5 }\n');
    const queue = (await (await app.request('/admin/queue')).json()) as { models: Record<string, unknown>[] };
    expect(queue.models[0]).toMatchObject({ model: 'm', in_flight: 0, queued: 0, max_queue: 5, targets: [{ target: 'vllm:a:1', max_concurrent: 2, health: 'unknown', breaker: 'closed' }] });
    const reload = await app.request('/admin/reload', { method: 'POST' });
    expect(reload.status).toBe(501);
    expect(((await reload.json()) as { error: { code: string } }).error.code).toBe('reload_unavailable');
  });

  it('need the admin key once keys are configured: 403 without auth.admin_key_sha256, 401 with a wrong key', async () => {
    const user = 'mt-user-key-0000000000000000000';
    const admin = 'mt-admin-key-000000000000000000';
    const keys = `auth:\n  keys: [{ name: u, key_sha256: ${await sha256Hex(user)} }]\n`;
    const noAdmin = setup(`${keys}models: [{ name: m, backend: sim }]\n`);
    expect((await noAdmin.app.request('/admin/queue', { headers: { authorization: `Bearer ${user}` } })).status).toBe(403);
    const withAdmin = setup(`${keys.replace('auth:\n', `auth:\n  admin_key_sha256: ${await sha256Hex(admin)}\n`)}models: [{ name: m, backend: sim }]\n`);
    expect((await withAdmin.app.request('/admin/config', { headers: { authorization: `Bearer ${user}` } })).status).toBe(401);
    expect((await withAdmin.app.request('/admin/config', { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
  });
});

describe('drain', () => {
  it('refuses new requests with 503 and Connection: close, lets a stream in flight finish, then is idle', async () => {
    const { gw, app } = setup('models:\n  - { name: s, backend: sim, sim: { ttft: 0ms, token_delay: 20ms, max_tokens: 10 } }\n');
    const stream = await app.request('/v1/chat/completions', chat('s', { stream: true, max_tokens: 10 }));
    let drained = false;
    const drain = gw.drain().then(() => (drained = true));
    const refused = await app.request('/v1/chat/completions', chat('s'));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('connection')).toBe('close');
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('shutting_down');
    expect((await app.request('/readyz')).status).toBe(503);
    expect((await app.request('/healthz')).status).toBe(200);
    expect(drained).toBe(false);
    expect(await stream.text()).toMatch(/data: \[DONE\]\n\n$/);
    await drain;
    expect(gw.inFlight.count).toBe(0);
  });
});
