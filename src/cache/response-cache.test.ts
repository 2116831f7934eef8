import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../auth/api-keys.ts';
import { parseConfig } from '../config/parse-config.ts';
import { createCountingBackend, createTestGateway, readChunks, text } from './cache.test-support.ts';

const ALICE = 'mt-cache-alice-key-0000000000000';
const BOB = 'mt-cache-bob-key-000000000000000';
const NOCACHE = 'mt-cache-off-key-00000000000000';
const ADMIN = 'mt-cache-admin-key-0000000000000';
const auth = async () => `auth:
  admin_key_sha256: ${await sha256Hex(ADMIN)}
  keys:
    - { name: alice, key_sha256: ${await sha256Hex(ALICE)}, tpm: 100000 }
    - { name: bob, key_sha256: ${await sha256Hex(BOB)} }
    - { name: off, key_sha256: ${await sha256Hex(NOCACHE)}, cache: false }
`;
const chat = (extra: Record<string, unknown> = {}) => ({ model: 'm', messages: [{ role: 'user', content: 'the same question' }], temperature: 0, max_tokens: 6, ...extra });
const as = (key: string, headers: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, ...headers });

async function setup(cache = 'true', more = '') {
  const backend = createCountingBackend({ flavor: 'vllm', model: 'up', ttftMs: 5, tokenDelayMs: 2, defaultMaxTokens: 6 });
  const gw = createTestGateway(
    `version: 1
${await auth()}models:
  - { name: m, backend: vllm, backend_url: "http://backend-a", upstream_model: up, retry: { attempts: 1 }, cache: ${cache} }
  - { name: m2, backend: vllm, backend_url: "http://backend-a", upstream_model: up, retry: { attempts: 1 }, cache: ${cache} }
${more}`,
    backend.upstream,
  );
  return { backend, ...gw };
}

describe('[node] response cache, in process', () => {
  it('a miss goes to the backend and is stored; the same request is then a hit with the same body and usage', async () => {
    const { backend, post } = await setup();
    const miss = await post('/v1/chat/completions', chat(), as(ALICE));
    const first = await miss.text();
    expect(miss.headers.get('x-modeltainer-cache')).toBe('miss');
    const hit = await post('/v1/chat/completions', { max_tokens: 6, temperature: 0, messages: [{ content: 'the same question', role: 'user' }], model: 'm', user: 'someone' }, as(ALICE));
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-modeltainer-cache')).toBe('hit');
    expect(hit.headers.get('x-modeltainer-model')).toBe('m');
    expect(hit.headers.get('age')).toBe('0');
    expect(await hit.text()).toBe(first);
    expect(backend.requests).toBe(1);
  });

  it('a hit counts its stored usage against the key’s tpm', async () => {
    const { post } = await setup();
    const miss = await post('/v1/chat/completions', chat(), as(ALICE));
    const used = ((await miss.json()) as { usage: { total_tokens: number } }).usage.total_tokens;
    const remaining = Number(miss.headers.get('x-ratelimit-remaining-tokens'));
    await (await post('/v1/chat/completions', chat(), as(ALICE))).text();
    const after = await post('/v1/chat/completions', chat({ messages: [{ role: 'user', content: 'another' }] }), as(ALICE));
    expect(Number(after.headers.get('x-ratelimit-remaining-tokens'))).toBe(remaining - 2 * used);
  });

  it('a stream is replayed byte for byte with the chunks the backend sent; the usage event only to a client that asked', async () => {
    const { backend, post } = await setup();
    const asked = chat({ stream: true, stream_options: { include_usage: true } });
    const miss = await readChunks(await post('/v1/chat/completions', asked, as(ALICE)));
    const sent = backend.sent[0]!.chunks;
    expect(sent.length).toBeGreaterThan(3);
    expect(text(miss)).toEqual(text(sent));
    const res = await post('/v1/chat/completions', asked, as(ALICE));
    expect(res.headers.get('x-modeltainer-cache')).toBe('hit');
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(text(await readChunks(res))).toEqual(text(sent));
    // a client that did not ask gets the same stream without the usage event the backend was asked for
    const plain = text(await readChunks(await post('/v1/chat/completions', chat({ stream: true }), as(ALICE))));
    expect(plain).toEqual(text(sent).filter((c) => !c.includes('"usage"')));
    expect(backend.requests).toBe(1);
    // a stream is never answered from a body, nor the reverse
    expect((await post('/v1/chat/completions', chat(), as(ALICE))).headers.get('x-modeltainer-cache')).toBe('miss');
  });

  it('paced replay keeps the original gaps between chunks', async () => {
    const backend = createCountingBackend({ flavor: 'vllm', model: 'up', ttftMs: 0, tokenDelayMs: 25, defaultMaxTokens: 6 });
    const { post } = createTestGateway(`version: 1\nmodels:\n  - { name: m, backend: vllm, backend_url: "http://b", upstream_model: up, cache: { replay: paced } }\n`, backend.upstream);
    await readChunks(await post('/v1/chat/completions', chat({ stream: true })));
    const fast = createTestGateway(`version: 1\nmodels:\n  - { name: m, backend: vllm, backend_url: "http://b", upstream_model: up, cache: true }\n`, backend.upstream);
    await readChunks(await fast.post('/v1/chat/completions', chat({ stream: true })));
    const timed = async (p: Promise<Response>) => {
      const t = performance.now();
      await readChunks(await p);
      return performance.now() - t;
    };
    const paced = await timed(post('/v1/chat/completions', chat({ stream: true })));
    const quick = await timed(fast.post('/v1/chat/completions', chat({ stream: true })));
    expect(paced).toBeGreaterThan(100);
    expect(quick).toBeLessThan(paced / 2);
  });

  it('bypass: a sampling request, Cache-Control no-cache or no-store, a key with cache: false; nothing stored', async () => {
    const { backend, post } = await setup();
    for (const [body, headers] of [
      [chat({ temperature: 0.7 }), as(ALICE)],
      [chat({ temperature: 0.7 }), as(ALICE)],
      [chat({ n: 2 }), as(ALICE)],
      [chat(), as(ALICE, { 'cache-control': 'no-cache' })],
      [chat(), as(ALICE, { 'cache-control': 'max-age=0, no-store' })],
      [chat(), as(NOCACHE)],
      [chat(), as(NOCACHE)],
    ] as const) {
      const res = await post('/v1/chat/completions', body, headers);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-modeltainer-cache')).toBe('bypass');
      await res.text();
    }
    expect(backend.requests).toBe(7);
    // a seed makes a sampling request deterministic
    await (await post('/v1/chat/completions', chat({ temperature: 0.7, seed: 3 }), as(ALICE))).text();
    expect((await post('/v1/chat/completions', chat({ temperature: 0.7, seed: 3 }), as(ALICE))).headers.get('x-modeltainer-cache')).toBe('hit');
  });

  it('only_deterministic: false caches sampling requests too; a model without cache has no cache header', async () => {
    const { post } = await setup('{ only_deterministic: false }', '  - { name: plain, backend: vllm, backend_url: "http://backend-a", upstream_model: up }\n');
    await (await post('/v1/chat/completions', chat({ temperature: 1 }), as(ALICE))).text();
    expect((await post('/v1/chat/completions', chat({ temperature: 1 }), as(ALICE))).headers.get('x-modeltainer-cache')).toBe('hit');
    const plain = await post('/v1/chat/completions', chat({ model: 'plain' }), as(ALICE));
    expect(plain.status).toBe(200);
    expect(plain.headers.has('x-modeltainer-cache')).toBe(false);
  });

  it('an entry expires after its ttl (the gateway’s clock)', async () => {
    const { backend, post, clock } = await setup('{ ttl: 10s }');
    await (await post('/v1/chat/completions', chat(), as(ALICE))).text();
    clock.t += 9_000;
    expect((await post('/v1/chat/completions', chat(), as(ALICE))).headers.get('x-modeltainer-cache')).toBe('hit');
    clock.t += 1_500;
    expect((await post('/v1/chat/completions', chat(), as(ALICE))).headers.get('x-modeltainer-cache')).toBe('miss');
    expect(backend.requests).toBe(2);
  });

  it('different keys and different models never share entries, unless per_key: false or a shared namespace says so', async () => {
    const { backend, post } = await setup();
    for (const [key, model] of [[ALICE, 'm'], [BOB, 'm'], [ALICE, 'm2']] as const) {
      expect((await post('/v1/chat/completions', chat({ model }), as(key))).headers.get('x-modeltainer-cache')).toBe('miss');
    }
    expect(backend.requests).toBe(3);
    const shared = await setup('{ per_key: false, namespace: shared }');
    for (const [key, model] of [[ALICE, 'm'], [BOB, 'm'], [ALICE, 'm2']] as const) await (await shared.post('/v1/chat/completions', chat({ model }), as(key))).text();
    expect(shared.backend.requests).toBe(1);
  });

  it('a backend error is never stored: a status, a stream that fails midway, an error event in the stream', async () => {
    const { backend, post } = await setup();
    backend.sim.injectFault({ type: 'status', status: 500 });
    expect((await post('/v1/chat/completions', chat(), as(ALICE))).status).toBe(502);
    expect((await post('/v1/chat/completions', chat(), as(ALICE))).headers.get('x-modeltainer-cache')).toBe('miss');
    for (const type of ['reset', 'midstream_error'] as const) {
      const body = chat({ stream: true, messages: [{ role: 'user', content: type }] });
      backend.sim.injectFault({ type, after_tokens: 2 });
      const failed = text(await readChunks(await post('/v1/chat/completions', body, as(ALICE))));
      expect(failed.join('')).toMatch(/"error"/);
      await new Promise((r) => setTimeout(r, 10));
      const next = await post('/v1/chat/completions', body, as(ALICE));
      expect(next.headers.get('x-modeltainer-cache'), type).toBe('miss');
      expect(text(await readChunks(next)).join('')).not.toMatch(/"error"/);
    }
  });

  it('a reload that changes the model’s target invalidates its entries; one that does not keeps them', async () => {
    const { backend, post, config } = await setup();
    await (await post('/v1/chat/completions', chat(), as(ALICE))).text();
    const yaml = async (url: string, extra = '') =>
      parseConfig(`version: 1
${await auth()}models:
  - { name: m, backend: vllm, backend_url: "${url}", upstream_model: up, retry: { attempts: 1 }, cache: true }
  - { name: m2, backend: vllm, backend_url: "http://backend-a", upstream_model: up, retry: { attempts: 1 }, cache: true }
${extra}`);
    config.swap(await yaml('http://backend-a', '  - { name: new, backend: sim }\n'));
    expect((await post('/v1/chat/completions', chat(), as(ALICE))).headers.get('x-modeltainer-cache')).toBe('hit');
    config.swap(await yaml('http://backend-b'));
    expect((await post('/v1/chat/completions', chat(), as(ALICE))).headers.get('x-modeltainer-cache')).toBe('miss');
    expect(backend.requests).toBe(2);
  });

  it('coalescing: 10 identical requests at once send one to the backend; the others get its answer', async () => {
    const { backend, post, gateway } = await setup();
    const all = await Promise.all(Array.from({ length: 10 }, () => post('/v1/chat/completions', chat(), as(ALICE))));
    const bodies = await Promise.all(all.map((r) => r.text()));
    expect(backend.requests).toBe(1);
    expect(all.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(new Set(bodies).size).toBe(1);
    expect(all.map((r) => r.headers.get('x-modeltainer-cache')).sort()).toEqual(['hit', 'hit', 'hit', 'hit', 'hit', 'hit', 'hit', 'hit', 'hit', 'miss']);
    expect(gateway.runtime.get('m')?.cache).toMatchObject({ hits: 9, misses: 1, coalesced: 9 });
  });

  it('coalescing streams: the waiting streams get their bytes as the backend sends them, not at its end', async () => {
    const backend = createCountingBackend({ flavor: 'vllm', model: 'up', ttftMs: 20, tokenDelayMs: 30, defaultMaxTokens: 8 });
    const { post } = createTestGateway(`version: 1\nmodels:\n  - { name: m, backend: vllm, backend_url: "http://b", upstream_model: up, cache: true }\n`, backend.upstream);
    const body = chat({ stream: true, max_tokens: 8, stream_options: { include_usage: true } });
    const leader = post('/v1/chat/completions', body);
    await new Promise((r) => setTimeout(r, 5));
    const followers = Array.from({ length: 4 }, () => post('/v1/chat/completions', body));
    const firstBytes = await Promise.all(
      followers.map(async (p) => {
        const reader = (await p).body!.getReader();
        await reader.read();
        const at = performance.now();
        const rest: Uint8Array[] = [];
        for (let r = await reader.read(); !r.done; r = await reader.read()) rest.push(r.value);
        return { at, rest };
      }),
    );
    const all = await readChunks(await leader);
    const ended = await backend.sent[0]!.ended;
    expect(backend.requests).toBe(1);
    for (const f of firstBytes) {
      expect(f.at).toBeLessThan(ended - 100);
      expect(f.rest.length).toBe(all.length - 1);
    }
  });

  it('a request waiting longer than coalesce_timeout goes to the backend itself', async () => {
    const backend = createCountingBackend({ flavor: 'vllm', model: 'up', ttftMs: 300, tokenDelayMs: 0, defaultMaxTokens: 2 });
    const { post } = createTestGateway(`version: 1\nmodels:\n  - { name: m, backend: vllm, backend_url: "http://b", upstream_model: up, cache: { coalesce_timeout: 50ms } }\n`, backend.upstream);
    const [a, b] = await Promise.all([post('/v1/chat/completions', chat()), post('/v1/chat/completions', chat())]);
    expect([a.headers.get('x-modeltainer-cache'), b.headers.get('x-modeltainer-cache')]).toEqual(['miss', 'miss']);
    expect(backend.requests).toBe(2);
  });

  it('every routed API caches: embeddings by default, Responses and Messages streams and bodies', async () => {
    const embedder = createCountingBackend({ flavor: 'vllm', model: 'emb', embeddings: true });
    const e = createTestGateway(`version: 1\nmodels:\n  - { name: e, backend: vllm, backend_url: "http://e", upstream_model: emb, format: embeddings, cache: true }\n`, embedder.upstream);
    for (const expected of ['miss', 'hit']) expect((await e.post('/v1/embeddings', { model: 'e', input: ['a', 'b'] })).headers.get('x-modeltainer-cache')).toBe(expected);
    const { backend, post } = await setup();
    const calls = [
      ['/v1/responses', { model: 'm', input: 'hi', temperature: 0, max_output_tokens: 4 }],
      ['/v1/responses', { model: 'm', input: 'hi', temperature: 0, max_output_tokens: 4, stream: true }],
      ['/v1/messages', { model: 'm', max_tokens: 4, temperature: 0, messages: [{ role: 'user', content: 'hi' }] }],
      ['/v1/messages', { model: 'm', max_tokens: 4, temperature: 0, messages: [{ role: 'user', content: 'hi' }], stream: true }],
      ['/v1/completions', { model: 'm', prompt: 'hi', max_tokens: 4, temperature: 0, stream: true }],
    ] as const;
    for (const [path, body] of calls) {
      const miss = await post(path, body, as(ALICE));
      const first = await miss.text();
      const hit = await post(path, body, as(ALICE));
      expect([path, hit.headers.get('x-modeltainer-cache')]).toEqual([path, 'hit']);
      expect(await hit.text()).toBe(first);
    }
    expect(backend.requests).toBe(calls.length);
  });

  it('GET /admin/cache reports the store and each model’s counters; DELETE purges one model or all', async () => {
    const { post, gateway } = await setup();
    await (await post('/v1/chat/completions', chat(), as(ALICE))).text();
    await (await post('/v1/chat/completions', chat(), as(ALICE))).text();
    await (await post('/v1/chat/completions', chat({ model: 'm2' }), as(ALICE))).text();
    const admin = (method = 'GET', query = '', key = ADMIN) => gateway.app.request(`/admin/cache${query}`, { method, headers: as(key) });
    expect((await admin('GET', '', ALICE)).status).toBe(401);
    const state = (await (await admin()).json()) as { store: string; namespaces: { namespace: string; entries: number }[]; models: { model: string; hits: number; misses: number; version: string }[] };
    expect(state.store).toBe('memory');
    expect(state.namespaces.map((n) => [n.namespace, n.entries])).toEqual([['m', 1], ['m2', 1]]);
    expect(state.models.find((m) => m.model === 'm')).toMatchObject({ hits: 1, misses: 1, version: expect.stringMatching(/^[0-9a-f]{8}$/) });
    expect((await admin('DELETE', '?model=nope')).status).toBe(404);
    expect(await (await admin('DELETE', '?model=m')).json()).toEqual({ purged: 1, namespaces: ['m'] });
    expect((await post('/v1/chat/completions', chat(), as(ALICE))).headers.get('x-modeltainer-cache')).toBe('miss');
    expect((await post('/v1/chat/completions', chat({ model: 'm2' }), as(ALICE))).headers.get('x-modeltainer-cache')).toBe('hit');
    expect(await (await admin('DELETE')).json()).toEqual({ purged: 2, namespaces: null });
    expect((await post('/v1/chat/completions', chat({ model: 'm2' }), as(ALICE))).headers.get('x-modeltainer-cache')).toBe('miss');
  });
});
