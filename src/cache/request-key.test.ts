import { describe, expect, it } from 'vitest';
import { hashKey, isDeterministic, keyMaterial, type KeyInput } from './request-key.ts';
import { stableJson } from './stable-json.ts';

const base: KeyInput = { namespace: 'm', version: 'v1', endpoint: 'chat', stream: false, caller: 'alice', body: { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0 } };
const key = async (over: Partial<KeyInput> & { body?: Record<string, unknown> } = {}) => hashKey(keyMaterial({ ...base, ...over }));

describe('[node] cache keys', () => {
  it('field order, the excluded fields and nulls do not change the key', async () => {
    const k = await key();
    expect(await key({ body: { temperature: 0, messages: [{ content: 'hi', role: 'user' }], model: 'other-alias' } })).toBe(k);
    expect(await key({ body: { ...base.body, user: 'u1', stream_options: { include_usage: true }, metadata: { a: 1 }, stream: true, seed: null } })).toBe(k);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
  });

  it('what changes the answer changes the key: body, API, stream, caller, namespace, version, Anthropic headers', async () => {
    const k = await key();
    const others = await Promise.all([
      key({ body: { ...base.body, temperature: 0.5 } }),
      key({ body: { ...base.body, messages: [{ role: 'user', content: 'hi!' }] } }),
      key({ endpoint: 'completions' }),
      key({ stream: true }),
      key({ caller: 'bob' }),
      key({ caller: null }),
      key({ namespace: 'n' }),
      key({ version: 'v2' }),
      key({ anthropic: ['2023-06-01', null] }),
    ]);
    expect(new Set([k, ...others]).size).toBe(others.length + 1);
  });

  it('only requests that answer the same every time are deterministic', () => {
    expect(isDeterministic('chat', { temperature: 0 })).toBe(true);
    expect(isDeterministic('chat', { seed: 7, temperature: 0.9 })).toBe(true);
    expect(isDeterministic('chat', {})).toBe(false);
    expect(isDeterministic('chat', { temperature: 0.2 })).toBe(false);
    expect(isDeterministic('chat', { temperature: 0, n: 2 })).toBe(false);
    expect(isDeterministic('completions', { temperature: 0, best_of: 3, seed: 1 })).toBe(true);
    expect(isDeterministic('messages', { temperature: 0 })).toBe(true);
    for (const api of ['embeddings', 'rerank', 'score', 'tokenize', 'detokenize', 'count_tokens'] as const) expect(isDeterministic(api, {})).toBe(true);
  });

  it('stable JSON sorts keys at every depth and keeps array order', () => {
    expect(stableJson({ b: [{ z: 1, a: 2 }, 3], a: undefined, c: null })).toBe('{"b":[{"a":2,"z":1},3],"c":null}');
    expect(stableJson([undefined, 'x'])).toBe('[null,"x"]');
  });
});

describe('[node] the synchronous SHA-256 of cache keys', () => {
  it('equals Web Crypto’s digest at every padding boundary and for non-ASCII text', async () => {
    for (const text of ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(63), 'a'.repeat(64), 'a'.repeat(1000), 'naïve ✓ 😀'.repeat(40)]) {
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
      expect(hashKey(text)).toBe(Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''));
    }
  });
});
