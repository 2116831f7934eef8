import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createConfigStore, createGateway, fetchUpstream, parseConfig, sha256Hex, type Gateway, type GatewayHono } from '../src/index.ts';
import { startSimBackend, type SimBackend } from './conformance/backends.ts';

let backend: SimBackend;
let app: GatewayHono;
let gateway: Gateway;
const METRICS_KEY = 'mt-metrics-key-00000000000000000';

beforeAll(async () => {
  backend = await startSimBackend({ flavor: 'vllm', ttftMs: 5, tokenDelayMs: 3, defaultMaxTokens: 4 });
  const config = parseConfig(`version: 1
metrics: { key_sha256: ${await sha256Hex(METRICS_KEY)} }
server: { retry: { attempts: 2, base_delay: 1ms } }
models:
  - { name: a, backend: vllm, backend_url: "${backend.server.url}", upstream_model: Qwen/Qwen2.5-0.5B-Instruct }
  - { name: dead, backend: openai, backend_url: "http://127.0.0.1:9/v1", retry: { attempts: 1 } }
`);
  gateway = createGateway({ config: createConfigStore(config), upstream: fetchUpstream, logger: { log: () => undefined } });
  app = gateway.app;
});
afterAll(() => backend.server.close());

const post = (body: Record<string, unknown>) =>
  app.request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'a', messages: [{ role: 'user', content: 'the same prompt every time' }], max_tokens: 4, ...body }),
  });

function sample(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').at(-1)) : NaN;
}

describe('[node] metrics', () => {
  it('after a known mix, /metrics equals what was sent', async () => {
    const first = (await (await post({})).json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    await (await post({})).text();
    await (await post({ stream: true, stream_options: { include_usage: true } })).text();
    await (await post({ stream: true })).text();
    backend.sim.injectFault({ type: 'status', status: 503, retry_after: 0 });
    expect((await post({})).status).toBe(200);
    expect((await post({ model: 'nope' })).status).toBe(404);
    expect((await post({ model: 'dead' })).status).toBe(502);
    await new Promise((r) => setTimeout(r, 20));

    expect((await app.request('/metrics')).status).toBe(401);
    const res = await app.request('/metrics', { headers: { authorization: `Bearer ${METRICS_KEY}` } });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const a = { model: 'a', backend: `vllm:${new URL(backend.server.url).host}` };
    expect(sample(text, 'modeltainer_requests_total', { ...a, status: '200' })).toBe(5);
    expect(sample(text, 'modeltainer_requests_total', { model: '', status: '404' })).toBe(1);
    expect(sample(text, 'modeltainer_requests_total', { model: 'dead', status: '502' })).toBe(1);
    expect(text).not.toContain('nope');
    expect(sample(text, 'modeltainer_prompt_tokens_total', a)).toBe(5 * first.usage.prompt_tokens);
    expect(sample(text, 'modeltainer_completion_tokens_total', a)).toBe(5 * first.usage.completion_tokens);
    expect(sample(text, 'modeltainer_request_duration_seconds_count', a)).toBe(5);
    expect(sample(text, 'modeltainer_time_to_first_token_seconds_count', a)).toBe(5);
    expect(sample(text, 'modeltainer_inter_token_latency_seconds_count', a)).toBe(2);
    expect(sample(text, 'modeltainer_output_tokens_per_second_count', a)).toBe(5);
    expect(sample(text, 'modeltainer_retries_total', a)).toBe(1);
    expect(sample(text, 'modeltainer_streams_in_flight', { model: 'a' })).toBe(0);
    expect(sample(text, 'modeltainer_gateway_overhead_seconds_count', { model: 'a' })).toBe(5);
    expect(sample(text, 'modeltainer_request_duration_seconds_bucket', { ...a, le: '+Inf' })).toBe(5);
  });

  it('records backend health from the backends own health endpoints', async () => {
    await gateway.runtime.probeAll();
    const text = await (await app.request('/metrics', { headers: { authorization: `Bearer ${METRICS_KEY}` } })).text();
    expect(sample(text, 'modeltainer_backend_up', { model: 'a' })).toBe(1);
    expect(sample(text, 'modeltainer_backend_up', { model: 'dead' })).toBe(0);
  });

  it('counts a stream as in flight while it is relayed', async () => {
    const res = await post({ stream: true, max_tokens: 30 });
    const reader = res.body!.getReader();
    await reader.read();
    const during = await (await app.request('/metrics', { headers: { authorization: `Bearer ${METRICS_KEY}` } })).text();
    expect(sample(during, 'modeltainer_streams_in_flight', { model: 'a' })).toBe(1);
    while (!(await reader.read()).done);
  });
});

describe('[node] metrics behind the admin key', () => {
  it('uses auth.admin_key_sha256 when metrics has no key of its own', async () => {
    const admin = 'mt-admin-key-000000000000000000';
    const gw = createApp({
      config: createConfigStore(parseConfig(`version: 1\nauth:\n  admin_key_sha256: ${await sha256Hex(admin)}\n  keys:\n    - { name: u, key_sha256: ${await sha256Hex('mt-user-key-0000000000000000000')} }\nmodels:\n  - { name: m, backend: sim }\n`)),
      upstream: fetchUpstream,
      logger: { log: () => undefined },
    });
    expect((await gw.request('/metrics')).status).toBe(401);
    expect((await gw.request('/metrics', { headers: { authorization: 'Bearer mt-user-key-0000000000000000000' } })).status).toBe(401);
    expect((await gw.request('/metrics', { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
  });
});
