import { describe, expect, it } from 'vitest';
import { createApp, createConfigStore, createMemoryStore, parseConfig, sha256Hex, windowOf, type Clock } from '../src/index.ts';

const KEY = 'mt-limits-test-key-000000000000';
const T0 = Date.UTC(2026, 10, 23, 12, 0, 5);

async function setup(limits: string, modelLimits = '') {
  const config = parseConfig(`version: 1
auth:
  keys:
    - { name: tester, key_sha256: ${await sha256Hex(KEY)}, ${limits} }
models:
  - name: m
    backend: sim
    sim: { ttft: 0ms, token_delay: 0ms, max_tokens: 5 }
${modelLimits}
  - name: slow
    backend: sim
    sim: { ttft: 0ms, token_delay: 40ms, max_tokens: 10 }
`);
  let wall = T0;
  const clock: Clock = { now: () => performance.now(), wall: () => wall };
  const store = createMemoryStore();
  const app = createApp({ config: createConfigStore(config), upstream: () => Promise.reject(new Error('unused')), logger: { log: () => undefined }, clock, limitStore: store });
  const post = (body: Record<string, unknown>) =>
    app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'count my tokens' }], ...body }),
    });
  const tokensUsed = async () => {
    const read = await store.admit([{ kind: 'tokens', key: 'modeltainer:key:tester:tpm', limit: Infinity, ttlMs: 0 }], windowOf(wall));
    return read.values[0];
  };
  const postTo = (path: string, body: Record<string, unknown>) =>
    app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEY }, body: JSON.stringify({ model: 'm', ...body }) });
  return { post, postTo, tokensUsed, advance: (ms: number) => (wall += ms) };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('[node] rate limits', () => {
  it('rpm: headers on every response, then 429 rate_limit_exceeded with Retry-After; a new minute resets', async () => {
    const { post, advance } = await setup('rpm: 3');
    for (const remaining of [2, 1, 0]) {
      const res = await post({});
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit-requests')).toBe('3');
      expect(res.headers.get('x-ratelimit-remaining-requests')).toBe(String(remaining));
      expect(res.headers.get('x-ratelimit-reset-requests')).toBe('55s');
    }
    const limited = await post({});
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('55');
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(((await limited.json()) as { error: { code: string; type: string } }).error).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error' });
    advance(60_000);
    expect((await post({})).status).toBe(200);
  });

  it('tpm counts exactly the backend usage, non-stream and stream, and blocks once spent', async () => {
    const { post, tokensUsed } = await setup('tpm: 50');
    const first = await post({});
    const usage = ((await first.json()) as { usage: { total_tokens: number } }).usage;
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('50');
    await settle();
    expect(await tokensUsed()).toBe(usage.total_tokens);

    // stream without include_usage: the gateway asks the backend for usage, counts it, hides it
    const streamed = await post({ stream: true });
    const text = await streamed.text();
    await settle();
    expect(text).not.toContain('"usage"');
    expect(text).toMatch(/data: \[DONE\]\n\n$/);
    expect(await tokensUsed()).toBe(2 * usage.total_tokens);

    // a client that asked for usage still gets it
    const asked = await post({ stream: true, stream_options: { include_usage: true } });
    const events = (await asked.text()).split('\n\n').filter((e) => e.includes('"usage"'));
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!.slice(6)).usage.total_tokens).toBe(usage.total_tokens);
    await settle();
    expect(await tokensUsed()).toBe(3 * usage.total_tokens);

    const blocked = await post({});
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
  });

  it('tpm counts the Responses and Anthropic Messages usage fields, stream and not; the 429 speaks each API', async () => {
    const { postTo, tokensUsed } = await setup('tpm: 150');
    const messages = [{ role: 'user', content: 'count my tokens' }];
    const msg = (await (await postTo('/v1/messages', { messages, max_tokens: 5 })).json()) as { usage: { input_tokens: number; output_tokens: number } };
    const perMessage = msg.usage.input_tokens + msg.usage.output_tokens;
    await settle();
    expect(await tokensUsed()).toBe(perMessage);
    // streamed: input tokens only in message_start, output in message_delta
    expect(await (await postTo('/v1/messages', { messages, max_tokens: 5, stream: true })).text()).toContain('event: message_stop');
    await settle();
    expect(await tokensUsed()).toBe(2 * perMessage);
    const resp = (await (await postTo('/v1/responses', { input: 'count my tokens', max_output_tokens: 5 })).json()) as { usage: { total_tokens: number } };
    await settle();
    expect(await tokensUsed()).toBe(2 * perMessage + resp.usage.total_tokens);
    expect(await (await postTo('/v1/responses', { input: 'count my tokens', max_output_tokens: 5, stream: true })).text()).toContain('response.completed');
    await settle();
    const spent = 2 * perMessage + 2 * resp.usage.total_tokens;
    expect(await tokensUsed()).toBe(spent);
    while (((await tokensUsed()) ?? 0) < 150) {
      await (await postTo('/v1/responses', { input: 'count my tokens', max_output_tokens: 5 })).text();
      await settle();
    }
    const blocked = await postTo('/v1/messages', { messages, max_tokens: 5 });
    expect(blocked.status).toBe(429);
    expect(await blocked.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  it('max_concurrent caps streams in flight and frees the slot when a stream ends', async () => {
    const { post } = await setup('max_concurrent: 1');
    const first = await post({ model: 'slow', stream: true });
    expect(first.status).toBe(200);
    const second = await post({ model: 'slow', stream: true });
    expect(second.status).toBe(429);
    expect(((await second.json()) as { error: { message: string } }).error.message).toContain('concurrent');
    await first.text();
    await settle();
    expect((await post({ model: 'slow' })).status).toBe(200);
  });

  it('a client that drops a stream frees its slot', async () => {
    const { post } = await setup('max_concurrent: 1');
    const first = await post({ model: 'slow', stream: true });
    const reader = first.body!.getReader();
    await reader.read();
    await reader.cancel();
    await settle();
    expect((await post({ model: 'slow' })).status).toBe(200);
  });

  it('per-model limits apply across keys', async () => {
    const { post } = await setup('rpm: 100', '    limits: { rpm: 1 }');
    expect((await post({})).status).toBe(200);
    const res = await post({});
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('model:m');
  });
});
