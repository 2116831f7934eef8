import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimBackend, type SimBackend } from '../conformance/backends.ts';
import { metricValue, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { children, startRedis } from '../support/processes.ts';

// One simulator on a socket, one real redis-server, two gateway processes sharing the cache
// through it; clients over real sockets, the official OpenAI SDK among them.
let backend: SimBackend;
let gateways: [GatewayProcess, GatewayProcess];
let sdk: [OpenAI, OpenAI];

beforeAll(async () => {
  backend = await startSimBackend({ flavor: 'vllm', model: 'up', ttftMs: 20, tokenDelayMs: 10, defaultMaxTokens: 8 });
  const redisUrl = await startRedis();
  const config = `version: 1
cache: { store: redis, redis_url: "${redisUrl}", prefix: "cache-test-${Date.now()}:" }
models:
  - { name: m, backend: vllm, backend_url: "${backend.server.url}", upstream_model: up, cache: { ttl: 1m } }
`;
  gateways = (await Promise.all([startGatewayProcess(config), startGatewayProcess(config)])) as [GatewayProcess, GatewayProcess];
  sdk = gateways.map((g) => new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'unused', maxRetries: 0 })) as [OpenAI, OpenAI];
}, 60_000);

afterAll(async () => {
  for (const g of gateways ?? []) g.stop();
  children.forEach((c) => c.kill('SIGTERM'));
  await backend?.server.close();
});

const question = (content: string) => ({ model: 'm', messages: [{ role: 'user' as const, content }], temperature: 0, max_tokens: 8 });

async function bytesOf(res: Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer());
}

describe('[node] response cache over sockets, shared through Redis by two gateway processes', () => {
  it('[node] the OpenAI SDK: a miss on one gateway is a hit on the other; the backend answered once', async () => {
    const before = backend.load.started.length;
    const first = await sdk[0].chat.completions.create(question('shared through redis')).withResponse();
    expect(first.response.headers.get('x-modeltainer-cache')).toBe('miss');
    const second = await sdk[1].chat.completions.create(question('shared through redis')).withResponse();
    expect(second.response.headers.get('x-modeltainer-cache')).toBe('hit');
    expect(second.data).toEqual(first.data);
    expect(second.data.usage?.total_tokens).toBeGreaterThan(0);
    expect(backend.load.started.length - before).toBe(1);
  });

  it('[node] a stream stored by one gateway is replayed by the other byte for byte as the backend sent it', async () => {
    const body = JSON.stringify({ ...question('a stream through redis'), stream: true, stream_options: { include_usage: true } });
    const post = (g: GatewayProcess) => fetch(`${g.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const miss = await post(gateways[0]);
    const relayed = await bytesOf(miss);
    const sent = await backend.sent.get(miss.headers.get('x-request-id')!)!;
    expect(Buffer.from(relayed).equals(Buffer.from(sent.bytes))).toBe(true);
    const hit = await post(gateways[1]);
    expect(hit.headers.get('x-modeltainer-cache')).toBe('hit');
    expect(hit.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(Buffer.from(await bytesOf(hit)).equals(Buffer.from(sent.bytes))).toBe(true);
    // the SDK reads the replay as any stream
    const stream = await sdk[1].chat.completions.create({ ...question('a stream through redis'), stream: true });
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    expect(content.length).toBeGreaterThan(0);
  });

  it('[node] 10 identical SDK requests at once: one goes to the backend, nine wait for it', async () => {
    const before = backend.load.started.length;
    const all = await Promise.all(Array.from({ length: 10 }, () => sdk[0].chat.completions.create(question('ten at once')).withResponse()));
    expect(backend.load.started.length - before).toBe(1);
    expect(new Set(all.map((r) => JSON.stringify(r.data))).size).toBe(1);
    expect(all.filter((r) => r.response.headers.get('x-modeltainer-cache') === 'hit')).toHaveLength(9);
    const metrics = await (await fetch(`${gateways[0].url}/metrics`)).text();
    expect(metricValue(metrics, 'modeltainer_cache_coalesced_total', { model: 'm' })).toBe(9);
    expect(metricValue(metrics, 'modeltainer_cache_requests_total', { model: 'm', result: 'hit' })).toBeGreaterThanOrEqual(9);
    expect(metricValue(metrics, 'modeltainer_prompt_tokens_total', { model: 'm', backend: 'cache' })).toBeGreaterThan(0);
  });

  it('[node] identical streams waiting for one on its way get its bytes as the backend sends them, not at its end', async () => {
    const before = backend.load.started.length;
    const body = JSON.stringify({ ...question('live fan-out'), max_tokens: 20, stream: true });
    const post = () => fetch(`${gateways[0].url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const leader = await post();
    const followers = await Promise.all([post(), post(), post()]);
    const firstBytes = await Promise.all(
      followers.map(async (res) => {
        const reader = res.body!.getReader();
        await reader.read();
        const at = performance.now();
        while (!(await reader.read()).done);
        return at;
      }),
    );
    const sent = await backend.sent.get(leader.headers.get('x-request-id')!)!;
    await leader.arrayBuffer();
    expect(backend.load.started.length - before).toBe(1);
    for (const at of firstBytes) expect(at).toBeLessThan(sent.endedAt - 100);
  });

  it('[node] GET /admin/cache on either gateway sees the shared entries; DELETE on one purges them for both', async () => {
    await sdk[0].chat.completions.create(question('to be purged'));
    const state = (await (await fetch(`${gateways[1].url}/admin/cache`)).json()) as { store: string; namespaces: { namespace: string; entries: number; bytes: number }[] };
    expect(state.store).toBe('redis');
    expect(state.namespaces.find((n) => n.namespace === 'm')?.entries).toBeGreaterThanOrEqual(4);
    const purge = (await (await fetch(`${gateways[1].url}/admin/cache?model=m`, { method: 'DELETE' })).json()) as { purged: number };
    expect(purge.purged).toBeGreaterThanOrEqual(4);
    const again = await sdk[0].chat.completions.create(question('to be purged')).withResponse();
    expect(again.response.headers.get('x-modeltainer-cache')).toBe('miss');
  });
});
