import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimBackend, type SimBackend } from '../conformance/backends.ts';
import { eventually, metricValue, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { freePort } from '../support/processes.ts';

let gw: GatewayProcess;
let slowShadow: SimBackend;

const chat = async (model: string, extra: Record<string, unknown> = {}) => {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1, ...extra }),
  });
  await res.arrayBuffer();
  return { status: res.status, model: res.headers.get('x-modeltainer-model') };
};

async function count(total: number, send: (i: number) => Promise<{ status: number; model: string | null }>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < total) {
      const r = await send(next++);
      expect(r.status).toBe(200);
      counts[r.model ?? ''] = (counts[r.model ?? ''] ?? 0) + 1;
    }
  }));
  return counts;
}

beforeAll(async () => {
  slowShadow = await startSimBackend({ flavor: 'llamacpp', ttftMs: 2000, tokenDelayMs: 50, defaultMaxTokens: 4, parallel: 64 });
  const refused = await freePort();
  const fast = '{ ttft: 0ms, token_delay: 0ms, max_tokens: 1 }';
  gw = await startGatewayProcess(`version: 1
models:
  - { name: canary, split: [{ model: stable, weight: 90 }, { model: candidate, weight: 10 }] }
  - { name: per-user, split: [{ model: stable, weight: 90 }, { model: candidate, weight: 10 }], sticky: user }
  - { name: stable, backend: sim, sim: ${fast} }
  - { name: candidate, backend: sim, sim: ${fast} }
  - { name: shadowed-slow, backend: sim, sim: ${fast}, shadow: { model: slow-shadow, sample: 1, max_concurrent: 20 } }
  - { name: shadowed-bounded, backend: sim, sim: ${fast}, shadow: { model: slow-shadow, max_concurrent: 1 } }
  - { name: shadowed-failing, backend: sim, sim: ${fast}, shadow: { model: failing-shadow, sample: 1 } }
  - { name: slow-shadow, backend: llamacpp, backend_url: "${slowShadow.server.url}" }
  - { name: failing-shadow, backend: llamacpp, backend_url: "http://127.0.0.1:${refused}", retry: { attempts: 1 }, health: { interval: 0ms, eject_after: 100 } }
`);
});

afterAll(async () => {
  gw?.stop();
  await slowShadow.server.close();
});

describe('[node] traffic split and shadow copies', () => {
  it('[node] a 90/10 split holds its weights within 5% over 1,000 requests, and over 1,000 users when sticky', async () => {
    const plain = await count(1000, () => chat('canary'));
    expect(Math.abs((plain.candidate ?? 0) / 1000 - 0.1)).toBeLessThan(0.05 * 0.1 + 1e-9);
    const sticky = await count(1000, (i) => chat('per-user', { user: `user-${i}` }));
    expect(Math.abs((sticky.candidate ?? 0) / 1000 - 0.1)).toBeLessThan(0.05);
    // and each user keeps its member
    for (const user of ['user-1', 'user-2', 'user-3']) {
      const seen = new Set<string | null>();
      for (let i = 0; i < 5; i++) seen.add((await chat('per-user', { user })).model);
      expect(seen.size).toBe(1);
    }
  }, 60_000);

  it('[node] a slow or failing shadow changes neither the caller’s status nor its answer; its outcomes are counted', async () => {
    for (const model of ['shadowed-slow', 'shadowed-failing']) {
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        const r = await chat(model);
        expect(r).toEqual({ status: 200, model });
        // the slow shadow takes 2 s to its first token; the caller never waits for it
        expect(performance.now() - started).toBeLessThan(1500);
      }
    }
    const shadows = async () => (await (await fetch(`${gw.url}/metrics`)).text());
    await eventually(async () => metricValue(await shadows(), 'modeltainer_shadow_requests_total', { model: 'shadowed-slow', shadow: 'slow-shadow', outcome: 'ok' }) === 10, 10_000, 'slow shadows done');
    const metrics = await shadows();
    expect(metricValue(metrics, 'modeltainer_shadow_requests_total', { model: 'shadowed-slow', shadow: 'slow-shadow', outcome: 'ok' })).toBe(10);
    expect(metricValue(metrics, 'modeltainer_shadow_requests_total', { model: 'shadowed-failing', shadow: 'failing-shadow', outcome: 'error' })).toBe(10);
    expect(slowShadow.sim.stats().completed).toBe(10);
  }, 30_000);

  it('[node] a shadow never piles up work: copies beyond shadow.max_concurrent are skipped', async () => {
    for (let i = 0; i < 5; i++) expect(await chat('shadowed-bounded')).toEqual({ status: 200, model: 'shadowed-bounded' });
    const metrics = async () => (await (await fetch(`${gw.url}/metrics`)).text());
    const labels = { model: 'shadowed-bounded', shadow: 'slow-shadow' };
    await eventually(async () => metricValue(await metrics(), 'modeltainer_shadow_requests_total', { ...labels, outcome: 'ok' }) === 1, 10_000, 'the one copy done');
    expect(metricValue(await metrics(), 'modeltainer_shadow_requests_total', { ...labels, outcome: 'skipped' })).toBe(4);
  }, 30_000);
});
