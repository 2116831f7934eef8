import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimBackend, type SimBackend } from '../conformance/backends.ts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';

let gw: GatewayProcess;
const sims: Record<string, SimBackend> = {};

const chat = (model: string, extra: Record<string, unknown> = {}) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1, ...extra }),
  }).then(async (res) => {
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    return res;
  });

/** `total` requests, `concurrency` at a time. */
async function load(total: number, concurrency: number, send: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await send(next++);
  }));
}

const served = (name: string) => sims[name]!.sim.stats().requests;

beforeAll(async () => {
  const fast = () => startSimBackend({ flavor: 'llamacpp', ttftMs: 0, tokenDelayMs: 0, defaultMaxTokens: 1, parallel: 64 });
  sims.quick = await startSimBackend({ flavor: 'llamacpp', ttftMs: 2, tokenDelayMs: 2, defaultMaxTokens: 8, parallel: 64 });
  sims.sluggish = await startSimBackend({ flavor: 'llamacpp', ttftMs: 20, tokenDelayMs: 40, defaultMaxTokens: 8, parallel: 64 });
  for (const name of ['w1', 'w2', 'r1', 'r2', 'a1', 'a2', 'a3']) sims[name] = await fast();
  const u = (name: string) => `{ url: "${sims[name]!.server.url}" }`;
  gw = await startGatewayProcess(`version: 1
models:
  - { name: speeds, backend: llamacpp, targets: [${u('quick')}, ${u('sluggish')}] }
  - name: weighted
    backend: llamacpp
    balance: weighted_random
    targets: [{ url: "${sims.w1!.server.url}", weight: 3 }, { url: "${sims.w2!.server.url}", weight: 1 }]
  - name: rr
    backend: llamacpp
    balance: round_robin
    targets: [{ url: "${sims.r1!.server.url}", weight: 3 }, { url: "${sims.r2!.server.url}", weight: 1 }]
  - { name: sticky, backend: llamacpp, affinity: user, targets: [${u('a1')}, ${u('a2')}, ${u('a3')}] }
`);
});

afterAll(async () => {
  gw?.stop();
  await Promise.all(Object.values(sims).map((s) => s.server.close()));
});

describe('[node] balancing across targets', () => {
  it('[node] least outstanding sends clearly more to the faster of two targets', async () => {
    await load(200, 12, () => chat('speeds', { max_tokens: 8 }));
    const quick = served('quick');
    const sluggish = served('sluggish');
    expect(quick + sluggish).toBe(200);
    expect(quick).toBeGreaterThan(2 * sluggish);
  });

  it('[node] weights hold within 5% over 1,000 requests (weighted random, and exactly with round robin)', async () => {
    await load(1000, 16, () => chat('weighted'));
    expect(served('w1') + served('w2')).toBe(1000);
    expect(Math.abs(served('w1') / 1000 - 0.75)).toBeLessThan(0.05);
    await load(1000, 16, () => chat('rr'));
    expect([served('r1'), served('r2')]).toEqual([750, 250]);
  });

  it('[node] affinity keeps one user on one target; different users spread over all of them', async () => {
    const before = ['a1', 'a2', 'a3'].map(served);
    await load(30, 6, () => chat('sticky', { user: 'alice' }));
    const alice = ['a1', 'a2', 'a3'].map((n, i) => served(n) - before[i]!);
    expect(alice.filter((n) => n > 0)).toEqual([30]);
    await load(90, 6, (i) => chat('sticky', { user: `user-${i}` }));
    const spread = ['a1', 'a2', 'a3'].map((n, i) => served(n) - before[i]! - alice[i]!);
    for (const n of spread) expect(n).toBeGreaterThan(10);
  });
});
