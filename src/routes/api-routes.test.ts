import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../auth/api-keys.ts';
import { createConfigStore } from '../config/config-store.ts';
import { parseConfig } from '../config/parse-config.ts';
import type { LogRecord, UpstreamRequest } from '../deps.ts';
import { createGateway } from '../gateway.ts';

const USER = 'mt-user-key-00000000000000000000';
const OTHER = 'mt-other-key-0000000000000000000';
const ADMIN = 'mt-admin-key-0000000000000000000';

async function setup(extra = '') {
  const calls: UpstreamRequest[] = [];
  const logs: LogRecord[] = [];
  const yaml = `version: 1
auth:
  admin_key_sha256: ${await sha256Hex(ADMIN)}
  keys:
    - { name: user, key_sha256: ${await sha256Hex(USER)}, models: [llama, coder, opened] }
    - { name: other, key_sha256: ${await sha256Hex(OTHER)}, models: [gpt] }
models:
  - { name: llama, backend: llamacpp, backend_url: "http://llama:8080" }
  - { name: coder, backend: vllm, backend_url: "http://vllm:8000/v1", upstream_model: org/coder }
  - { name: gpt, backend: openai, backend_url: "http://gpt/v1" }
  - { name: opened, backend: llamacpp, backend_url: "http://opened:8080", upstream_access: keys }
routes:
  - { prefix: /coder, model: coder }
${extra}`;
  const gw = createGateway({
    config: createConfigStore(parseConfig(yaml)),
    upstream: async (req) => {
      calls.push(req);
      const url = new URL(req.url);
      return new Response(JSON.stringify({ path: url.pathname + url.search, method: req.method, usage: { input_tokens: 3, output_tokens: 4 } }), { headers: { 'content-type': 'application/json', 'x-secret-backend': 'no' } });
    },
    logger: { log: (_l, r) => logs.push(r) },
  });
  const post = (path: string, body: unknown, key = USER, headers: Record<string, string> = {}) =>
    gw.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers }, body: JSON.stringify(body) });
  return { app: gw.app, calls, logs, post };
}

describe('the routes past chat', () => {
  it('each reaches the same path on the backend, with the model rewritten; tokenize hangs off the root', async () => {
    const { post, calls } = await setup();
    const cases: [string, Record<string, unknown>, string][] = [
      ['/v1/responses', { model: 'coder', input: 'hi' }, 'http://vllm:8000/v1/responses'],
      ['/v1/messages', { model: 'llama', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }, 'http://llama:8080/v1/messages'],
      ['/v1/messages/count_tokens', { model: 'llama', messages: [{ role: 'user', content: 'hi' }] }, 'http://llama:8080/v1/messages/count_tokens'],
      ['/tokenize', { model: 'coder', prompt: 'hi' }, 'http://vllm:8000/tokenize'],
      ['/detokenize', { model: 'llama', tokens: [1, 2] }, 'http://llama:8080/detokenize'],
    ];
    for (const [path, body, url] of cases) {
      const res = await post(path, body);
      expect(res.status, path).toBe(200);
      expect(calls.at(-1)?.url).toBe(url);
    }
    expect(JSON.parse(String(calls[0]?.body)).model).toBe('org/coder');
  });

  it('a model asked for an API it does not serve: 400 naming what it serves', async () => {
    const { post, calls } = await setup();
    const res = await post('/v1/messages', { model: 'gpt', messages: [{ role: 'user', content: 'hi' }] }, OTHER);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'The model `gpt` does not support the Anthropic Messages API; it serves: chat, completions.' } });
    const rerank = await post('/v1/rerank', { model: 'llama', query: 'q', documents: ['a'] });
    expect(((await rerank.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'unsupported_endpoint', message: expect.stringContaining('it serves: chat, completions, responses, messages, tokenize') });
    expect(calls).toHaveLength(0);
  });

  it("the Messages routes answer every error in Anthropic's shape, x-api-key accepted as the key", async () => {
    const { app, post } = await setup();
    const noKey = await app.request('/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const badJson = await app.request('/v1/messages/count_tokens', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': USER, 'anthropic-version': '2023-06-01' }, body: '{"model":' });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('JSON') } });
    const unknown = await post('/v1/messages', { model: 'gpt', messages: [] }, USER);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    // the other routes keep OpenAI's
    expect(await (await post('/v1/responses', { model: 'gpt', input: 'x' })).json()).toMatchObject({ error: { code: 'model_not_found', param: 'model' } });
  });

  it('a prefix route serves its model whatever the body says, lists only it, and 404s an unknown prefix', async () => {
    const { app, post, calls, logs } = await setup();
    const res = await post('/coder/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-modeltainer-model')).toBe('coder');
    expect(calls.at(-1)?.url).toBe('http://vllm:8000/v1/chat/completions');
    expect(JSON.parse(String(calls.at(-1)?.body)).model).toBe('org/coder');
    expect(logs.find((l) => l.msg === 'request' && l.route === '/coder')).toBeDefined();
    expect((await post('/coder/v1/responses', { input: 'no model field' })).status).toBe(200);
    const list = await app.request('/coder/v1/models', { headers: { authorization: `Bearer ${USER}` } });
    expect(((await list.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(['coder']);
    expect((await post('/nope/v1/chat/completions', { model: 'coder', messages: [] })).status).toBe(404);
    // the allow-list still applies to the model a prefix is bound to
    expect((await post('/coder/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] }, OTHER)).status).toBe(404);
    expect((await app.request('/coder/v1/chat/completions', { method: 'POST', body: '{}' })).status).toBe(401);
  });
});

describe('/upstream/{model}/{path}', () => {
  it('needs the admin key unless the model opens it to its keys; allow-lists apply', async () => {
    const { app, calls } = await setup();
    const get = (path: string, key?: string) => app.request(path, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    expect((await get('/upstream/llama/slots')).status).toBe(401);
    expect((await get('/upstream/llama/slots', USER)).status).toBe(403);
    const admin = await get('/upstream/llama/slots?id=1', ADMIN);
    expect(admin.status).toBe(200);
    expect(await admin.json()).toMatchObject({ path: '/slots?id=1', method: 'GET' });
    expect(admin.headers.get('x-secret-backend')).toBeNull();
    expect((await get('/upstream/opened/props', USER)).status).toBe(200);
    expect((await get('/upstream/opened/props', OTHER)).status).toBe(404);
    expect(calls.map((c) => c.url)).toEqual(['http://llama:8080/slots?id=1', 'http://opened:8080/props']);
  });

  it('reaches only the model’s own target: traversal and absolute URLs are refused before anything is sent', async () => {
    const { app, calls } = await setup();
    for (const path of ['/upstream/coder/..%2F..%2Fadmin', '/upstream/coder/%2e%2e/x', '/upstream/coder/http:%2F%2Fevil.test%2Fx', '/upstream/coder/%2F%2Fevil.test/x']) {
      const res = await app.request(path, { headers: { authorization: `Bearer ${ADMIN}` } });
      // URL parsing already folds a literal %2e%2e segment (then no route matches: 404); the rest the route refuses
      expect(res.status, path).toBe(path.includes('%2e%2e/') ? 404 : 400);
    }
    expect(calls).toHaveLength(0);
    const post = await app.request('/upstream/coder/v1/models', { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: '{}' });
    expect(await post.json()).toMatchObject({ path: '/v1/models', method: 'POST' });
    expect(calls[0]?.headers.authorization).toBeUndefined();
  });
});
