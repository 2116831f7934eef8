import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimBackend, type SimBackend } from '../conformance/backends.ts';
import { adminQueue, eventually, metricValue, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';

let gw: GatewayProcess;
let backend: SimBackend;
let tinyBackend: SimBackend;

const post = (model: string, id: string, headers: Record<string, string> = {}, signal?: AbortSignal, extra: Record<string, unknown> = {}) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': id, ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, ...extra }),
    signal,
  });
/** Holds its slot until the test has queued everything else: the simulator waits before answering. */
const hold = { sim_fault: { type: 'slow_headers', ms: 2500 } };

beforeAll(async () => {
  // the backend itself would take 16 at once: any limit seen here is the gateway's
  backend = await startSimBackend({ flavor: 'llamacpp', ttftMs: 50, tokenDelayMs: 5, defaultMaxTokens: 2, parallel: 16 });
  tinyBackend = await startSimBackend({ flavor: 'llamacpp', ttftMs: 400, tokenDelayMs: 5, defaultMaxTokens: 2, parallel: 16 });
  gw = await startGatewayProcess(`version: 1
models:
  - { name: q, backend: llamacpp, backend_url: "${backend.server.url}", max_concurrent: 2 }
  - { name: tiny, backend: llamacpp, targets: [{ url: "${tinyBackend.server.url}", max_concurrent: 1 }], max_queue: 2, queue_timeout: 5s }
  - { name: hurry, backend: llamacpp, backend_url: "${tinyBackend.server.url}", max_concurrent: 1, queue_timeout: 200ms }
`);
});

afterAll(async () => {
  gw?.stop();
  await Promise.all([backend.server.close(), tinyBackend.server.close()]);
});

describe('[node] concurrency limit and priority queue', () => {
  it('[node] max_concurrent 2 and 20 mixed-priority requests: never more than 2 at the backend, high before normal before low', async () => {
    const first = [post('q', 'occupy-1', {}, undefined, hold), post('q', 'occupy-2', {}, undefined, hold)];
    await eventually(async () => (await adminQueue(gw.url)).get('q')!.in_flight === 2, 2000, 'two in flight');
    const levels = ['low', 'high', 'normal'];
    const rest = Array.from({ length: 18 }, (_, i) => {
      const level = levels[i % 3]!;
      return post('q', `${level}-${i}`, { 'x-request-priority': level });
    });
    let byPriority: Record<string, number> = {};
    await eventually(
      async () => {
        const q = (await adminQueue(gw.url)).get('q')!;
        byPriority = q.by_priority;
        return q.queued === 18;
      },
      2000,
      '18 queued',
    );
    expect(byPriority).toEqual({ '10': 6, '0': 6, '-10': 6 });
    const all = await Promise.all([...first, ...rest]);
    for (const r of all) expect(r.status).toBe(200);
    expect(backend.load.max).toBe(2);
    const order = backend.load.started.filter((id) => !id.startsWith('occupy')).map((id) => id.split('-')[0]);
    expect(order).toEqual([...Array(6).fill('high'), ...Array(6).fill('normal'), ...Array(6).fill('low')]);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metricValue(metrics, 'modeltainer_queue_wait_seconds_count', { model: 'q' })).toBe(18);
  });

  it('[node] a full queue answers 429 with Retry-After; a queued client that disconnects leaves the queue at once', async () => {
    const occupier = post('tiny', 'tiny-occupy');
    await eventually(async () => (await adminQueue(gw.url)).get('tiny')!.in_flight === 1, 2000, 'one in flight');
    const ctl = new AbortController();
    const leaving = post('tiny', 'tiny-leaving', {}, ctl.signal).catch((e: unknown) => e);
    const staying = post('tiny', 'tiny-staying');
    await eventually(async () => (await adminQueue(gw.url)).get('tiny')!.queued === 2, 2000, 'two queued');
    const full = await post('tiny', 'tiny-full');
    expect(full.status).toBe(429);
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await full.json()) as { error: Record<string, unknown> }).error).toMatchObject({ code: 'queue_full', type: 'rate_limit_error' });
    ctl.abort();
    await leaving;
    const left = await eventually(async () => (await adminQueue(gw.url)).get('tiny')!.queued === 1, 1000, 'the client that left is out of the queue');
    expect(left).toBeLessThan(300);
    expect((await occupier).status).toBe(200);
    expect((await staying).status).toBe(200);
    expect(tinyBackend.load.started).not.toContain('tiny-leaving');
  });

  it('[node] waiting past queue_timeout answers 503 with Retry-After', async () => {
    const occupier = post('hurry', 'hurry-occupy');
    await eventually(async () => (await adminQueue(gw.url)).get('hurry')!.in_flight === 1, 2000, 'one in flight');
    const late = await post('hurry', 'hurry-late');
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await late.json()) as { error: Record<string, unknown> }).error).toMatchObject({ code: 'queue_timeout' });
    expect((await occupier).status).toBe(200);
  });
});
