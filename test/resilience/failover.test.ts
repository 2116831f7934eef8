import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../../adapters/node/listen.ts';
import { createSimulator } from '../../src/index.ts';
import { startSimBackend, type SimBackend } from '../conformance/backends.ts';
import { adminQueue, eventually, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { freePort } from '../support/processes.ts';

const messages = [{ role: 'user' as const, content: 'Say hello' }];
let gw: GatewayProcess;
let client: OpenAI;
const sims: Record<string, SimBackend> = {};
let refused: number;
let phoenixPort: number;
let phoenix: RunningServer | null = null;
let loadingPort: number;
let loading: RunningServer | null = null;

const sim = (parallel = 8) => startSimBackend({ flavor: 'llamacpp', ttftMs: 5, tokenDelayMs: 2, defaultMaxTokens: 4, parallel });

beforeAll(async () => {
  for (const name of ['a', 'b', 'c', 'd', 'e', 'solo', 'spare']) sims[name] = await sim();
  refused = await freePort();
  phoenixPort = await freePort();
  loadingPort = await freePort();
  const u = (name: string) => sims[name]!.server.url;
  gw = await startGatewayProcess(`version: 1
server:
  retry: { attempts: 2, base_delay: 10ms }
  health: { interval: 200ms, timeout: 500ms, eject_after: 2, cooldown: 500ms }
models:
  - name: pool
    backend: llamacpp
    balance: round_robin
    targets: [{ url: "http://127.0.0.1:${refused}" }, { url: "${u('a')}" }, { url: "${u('b')}" }]
  - name: stally
    backend: llamacpp
    timeouts: { first_byte: 300ms }
    targets: [{ url: "${u('c')}" }, { url: "${u('d')}" }]
  - name: solo
    backend: llamacpp
    backend_url: ${u('solo')}
  - name: gone
    backend: llamacpp
    targets: [{ url: "http://127.0.0.1:${refused}" }]
    fallbacks: [spare]
  - name: spare
    backend: llamacpp
    backend_url: ${u('spare')}
  - name: loading
    backend: llamacpp
    backend_url: http://127.0.0.1:${loadingPort}
    retry: { attempts: 1 }
  - name: phoenix
    backend: llamacpp
    balance: round_robin
    targets: [{ url: "http://127.0.0.1:${phoenixPort}" }, { url: "${u('e')}" }]
`);
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  gw?.stop();
  await phoenix?.close();
  await loading?.close();
  await Promise.all(Object.values(sims).map((s) => s.server.close()));
});

describe('[node] failover across targets', () => {
  it('[node] a target that refuses connections: every request is answered by the others, and it is taken out', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await client.chat.completions.create({ model: 'pool', messages, max_tokens: 2 });
      expect(res.choices[0]?.message.content?.length).toBeGreaterThan(0);
    }
    const served = sims.a!.sim.stats().requests + sims.b!.sim.stats().requests;
    expect(served).toBe(20);
    const dead = (await adminQueue(gw.url)).get('pool')!.targets.find((t) => t.target.endsWith(`:${refused}`))!;
    expect(dead.health === 'down' || dead.breaker === 'open').toBe(true);
  });

  it('[node] a target answering 500s: the request moves to a healthy target before the first byte', async () => {
    for (let i = 0; i < 3; i++) sims.a!.sim.injectFault({ type: 'status', status: 500 });
    const before = sims.b!.sim.stats().requests;
    for (let i = 0; i < 6; i++) {
      const res = await client.chat.completions.create({ model: 'pool', messages, max_tokens: 2 });
      expect(res.choices[0]?.message.content?.length).toBeGreaterThan(0);
    }
    expect(sims.b!.sim.stats().requests - before).toBeGreaterThanOrEqual(3);
    const a = (await adminQueue(gw.url)).get('pool')!.targets.find((t) => t.target.endsWith(sims.a!.server.url.replace('http://', '')))!;
    expect(a.failed).toBeGreaterThanOrEqual(1);
  });

  it('[node] a target that stalls before the first byte: after first_byte the request goes to the other one', async () => {
    for (let i = 0; i < 2; i++) sims.c!.sim.injectFault({ type: 'slow_headers', ms: 3000 });
    for (let i = 0; i < 4; i++) {
      const started = performance.now();
      const stream = await client.chat.completions.create({ model: 'stally', messages, max_tokens: 3, stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text.length).toBeGreaterThan(0);
      expect(performance.now() - started).toBeLessThan(2500);
    }
    expect(sims.d!.sim.stats().completed).toBeGreaterThanOrEqual(2);
  });

  it('[node] a target dying mid-stream: the stream ends with the OpenAI error event (bytes already went out)', async () => {
    sims.solo!.sim.injectFault({ type: 'reset', after_tokens: 2 });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'solo', messages, max_tokens: 8, stream: true }),
    });
    expect(res.status).toBe(200);
    const events = (await res.text()).trim().split('\n\n');
    expect(events.some((e) => e.includes('"content":"'))).toBe(true);
    expect(JSON.parse(events.at(-1)!.replace(/^data: /, ''))).toMatchObject({ error: { code: 'backend_stream_error', type: 'server_error' } });
    sims.solo!.sim.injectFault({ type: 'reset', after_tokens: 1 });
    await expect(async () => {
      const s = await client.chat.completions.create({ model: 'solo', messages, stream: true });
      for await (const _ of s) void _;
    }).rejects.toThrow();
  });

  it('[node] every target of a model failing: its fallback answers, and x-modeltainer-model says so', async () => {
    const res = await client.chat.completions.create({ model: 'gone', messages, max_tokens: 2 }).withResponse();
    expect(res.response.headers.get('x-modeltainer-model')).toBe('spare');
    expect(res.data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/modeltainer_fallbacks_total\{model="gone",fallback="spare"\} [1-9]/);
  });

  it('[node] a llama-server still loading its model is down until its /health says 200, then serves', async () => {
    const state = async () => (await adminQueue(gw.url)).get('loading')!.targets[0]!;
    await eventually(async () => (await state()).health === 'down', 2000, 'the server (not started yet) marked down');
    // llama-server answers 503 "Loading model" on every endpoint, /health included, until the model is loaded
    const server = createSimulator({ flavor: 'llamacpp', ttftMs: 1, tokenDelayMs: 1, defaultMaxTokens: 2, loadMs: 2000 });
    loading = await listen(server.fetch, loadingPort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 800)); // four probe intervals: each one got the 503
    expect((await state()).health).toBe('down');
    const early = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'loading', messages }) });
    expect(early.status).toBe(503);
    expect(((await early.json()) as { error: { code: string } }).error.code).toBe('backend_unavailable');
    expect(server.stats().requests).toBe(0);
    await eventually(async () => (await state()).health === 'up', 5000, 'the server up once loaded');
    const res = await client.chat.completions.create({ model: 'loading', messages, max_tokens: 2 });
    expect(res.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it('[node] an ejected target comes back once it recovers', async () => {
    const phoenixTarget = async () => (await adminQueue(gw.url)).get('phoenix')!.targets.find((t) => t.target.endsWith(`:${phoenixPort}`))!;
    await eventually(async () => (await phoenixTarget()).health === 'down', 5000, 'the dead target marked down');
    for (let i = 0; i < 4; i++) await client.chat.completions.create({ model: 'phoenix', messages, max_tokens: 2 });
    const revived = createSimulator({ flavor: 'llamacpp', ttftMs: 1, tokenDelayMs: 1, defaultMaxTokens: 2 });
    phoenix = await listen(revived.fetch, phoenixPort, '127.0.0.1');
    await eventually(async () => (await phoenixTarget()).health === 'up', 5000, 'the target back up');
    for (let i = 0; i < 10; i++) await client.chat.completions.create({ model: 'phoenix', messages, max_tokens: 2 });
    expect(revived.stats().requests).toBeGreaterThanOrEqual(3);
  });
});
