import { describe, expect, it } from 'vitest';
import { createApp } from './gateway.ts';
import { createConfigStore } from './config/config-store.ts';
import { parseConfig } from './config/parse-config.ts';
import type { LogRecord, UpstreamFetch, UpstreamRequest } from './deps.ts';

const CONFIG = `version: 1
server: { max_body_bytes: 2000, retry: { attempts: 3, base_delay: 1ms, max_delay: 50ms } }
models:
  - name: chat
    backend: vllm
    backend_url: http://backend.test:8000
    upstream_model: org/Real-Model
    aliases: [chat-alias]
    headers: { Authorization: "Bearer \${BACKEND_KEY}" }
    defaults: { max_tokens: 7, temperature: 0.2 }
    system_prompt: Be brief.
    timeouts: { first_byte: 100ms, total: 300ms }
  - name: embed
    backend: openai
    backend_url: http://backend.test:9000/v1
    format: embeddings
`;

type Handler = (req: UpstreamRequest, n: number) => Response | Promise<Response>;

function setup(handler: Handler) {
  const calls: UpstreamRequest[] = [];
  const logs: LogRecord[] = [];
  const upstream: UpstreamFetch = async (req) => {
    calls.push(req);
    return handler(req, calls.length);
  };
  const app = createApp({
    config: createConfigStore(parseConfig(CONFIG, { env: { BACKEND_KEY: 'secret-backend-key' } })),
    upstream,
    logger: { log: (_level, rec) => logs.push(rec) },
  });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { app, calls, logs, post };
}

const okJson = (body: unknown = { choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }) =>
  new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
const chat = { model: 'chat', messages: [{ role: 'user', content: 'hi' }] };

async function expectError(res: Response, status: number, code: string | null, param: string | null = null) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: Record<string, unknown> };
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error.code).toBe(code);
  expect(body.error.param).toBe(param);
  expect(typeof body.error.message).toBe('string');
  return body.error;
}

describe('request rewriting', () => {
  it('rewrites model, keeps unknown fields, applies defaults and the system prompt', async () => {
    const { post, calls } = setup(() => okJson());
    const res = await post('/v1/chat/completions', { ...chat, model: 'chat-alias', top_k: 5, max_tokens: 3, guided_json: { a: 1 } });
    expect(res.status).toBe(200);
    const sent = JSON.parse(String(calls[0]?.body ?? '{}'));
    expect(sent).toEqual({
      model: 'org/Real-Model',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }],
      top_k: 5,
      max_tokens: 3,
      guided_json: { a: 1 },
      temperature: 0.2,
    });
    expect(calls[0]?.url).toBe('http://backend.test:8000/v1/chat/completions');
    expect(calls[0]?.headers.authorization ?? calls[0]?.headers.Authorization).toBe('Bearer secret-backend-key');
  });

  it('keeps the client system prompt and joins /v1 base URLs', async () => {
    const { post, calls } = setup(() => okJson({ data: [], usage: { prompt_tokens: 2, total_tokens: 2 } }));
    await post('/v1/chat/completions', { ...chat, messages: [{ role: 'system', content: 'mine' }, ...chat.messages] });
    expect(JSON.parse(String(calls[0]?.body ?? '{}')).messages[0].content).toBe('mine');
    await post('/v1/embeddings', { model: 'embed', input: 'x' });
    expect(calls[1]?.url).toBe('http://backend.test:9000/v1/embeddings');
  });

  it('joins a W3C trace: traceparent upstream with the same trace id and a new span', async () => {
    const { post, calls, logs } = setup(() => okJson());
    await post('/v1/chat/completions', chat, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect(calls[0]?.headers.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$/);
    expect(logs.find((l) => l.msg === 'request')?.trace_id).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    await post('/v1/chat/completions', chat);
    expect(calls[1]?.headers.traceparent).toBeUndefined();
  });

  it('echoes a client X-Request-Id, forwards it upstream, or makes one', async () => {
    const { post, calls } = setup(() => okJson());
    const res = await post('/v1/chat/completions', chat, { 'x-request-id': 'req-123' });
    expect(res.headers.get('x-request-id')).toBe('req-123');
    expect(calls[0]?.headers['x-request-id']).toBe('req-123');
    const other = await post('/v1/chat/completions', chat, { 'x-request-id': 'bad id with spaces' });
    expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('client errors', () => {
  it('400 for malformed JSON, a non-object body, missing and invalid fields', async () => {
    const { post, calls } = setup(() => okJson());
    await expectError(await post('/v1/chat/completions', '{"model": "chat", '), 400, 'invalid_json');
    await expectError(await post('/v1/chat/completions', '[1,2]'), 400, 'invalid_json');
    await expectError(await post('/v1/chat/completions', { model: 'chat' }), 400, 'missing_required_parameter', 'messages');
    await expectError(await post('/v1/chat/completions', { ...chat, max_tokens: 'eight' }), 400, 'invalid_value', 'max_tokens');
    await expectError(await post('/v1/completions', { model: 'chat' }), 400, 'missing_required_parameter', 'prompt');
    expect(calls).toHaveLength(0);
  });

  it('404 model_not_found for unknown models, 400 for an endpoint the model does not serve', async () => {
    const { post } = setup(() => okJson());
    const err = await expectError(await post('/v1/chat/completions', { ...chat, model: 'gpt-5' }), 404, 'model_not_found', 'model');
    expect(err.message).toContain('gpt-5');
    await expectError(await post('/v1/embeddings', { model: 'chat', input: 'x' }), 400, 'unsupported_endpoint', 'model');
  });

  it('415 for a non-JSON content type; accepts curl -d form encoding', async () => {
    const { post } = setup(() => okJson());
    await expectError(await post('/v1/chat/completions', JSON.stringify(chat), { 'content-type': 'text/xml' }), 415, 'unsupported_media_type');
    const res = await post('/v1/chat/completions', JSON.stringify(chat), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(200);
  });

  it('413 for a body over the limit, declared or streamed', async () => {
    const { app, post } = setup(() => okJson());
    const big = { ...chat, messages: [{ role: 'user', content: 'x'.repeat(3000) }] };
    await expectError(await post('/v1/chat/completions', big), 413, 'request_too_large');
    const chunked = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(JSON.stringify(big)));
        c.close();
      },
    });
    const res = await app.request('/v1/chat/completions', { method: 'POST', body: chunked, duplex: 'half' } as RequestInit);
    await expectError(res, 413, 'request_too_large');
  });

  it('404 for unknown routes, 405 with Allow for a wrong method', async () => {
    const { app } = setup(() => okJson());
    await expectError(await app.request('/v1/nope'), 404, 'unknown_route');
    const res = await app.request('/v1/chat/completions');
    expect(res.headers.get('allow')).toBe('POST');
    await expectError(res, 405, 'method_not_allowed');
  });
});

describe('backend failures', () => {
  it('502 when the backend is unreachable, after retrying', async () => {
    const { post, calls, logs } = setup(() => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    });
    const err = await expectError(await post('/v1/chat/completions', chat), 502, 'backend_unreachable');
    expect(err.message).toContain('ECONNREFUSED');
    expect(calls).toHaveLength(3);
    expect(logs.at(-1)).toMatchObject({ status: 502, retries: 2, model: 'chat', backend: 'vllm:backend.test:8000' });
  });

  it('retries 503/429 honouring Retry-After, then succeeds', async () => {
    const { post, calls } = setup((_req, n) =>
      n === 1
        ? new Response('{"error":"busy"}', { status: 503, headers: { 'retry-after': '0' } })
        : n === 2
          ? new Response('{}', { status: 429 })
          : okJson(),
    );
    expect((await post('/v1/chat/completions', chat)).status).toBe(200);
    expect(calls).toHaveLength(3);
  });

  it('does not retry when Retry-After exceeds the max delay; passes 429 with Retry-After', async () => {
    const { post, calls } = setup(() => new Response('{"error":{"message":"slow down","type":"rate"}}', { status: 429, headers: { 'retry-after': '30' } }));
    const res = await post('/v1/chat/completions', chat);
    expect(res.headers.get('retry-after')).toBe('30');
    const err = await expectError(res, 429, 'rate');
    expect(err.message).toBe('slow down');
    expect(calls).toHaveLength(1);
  });

  it('passes backend 4xx through with its message, in the OpenAI shape', async () => {
    const { post } = setup(
      () =>
        new Response(
          JSON.stringify({ error: { message: "This model's maximum context length is 2048 tokens.", type: 'BadRequestError', param: 'input_tokens', code: 400 } }),
          { status: 400 },
        ),
    );
    const err = await expectError(await post('/v1/chat/completions', chat), 400, 'BadRequestError', 'input_tokens');
    expect(err.message).toContain('maximum context length');
    expect(err.type).toBe('invalid_request_error');
  });

  it('maps backend 500 to 502 and a backend credential failure to 502', async () => {
    const five = setup(() => new Response('{"error":{"code":500,"message":"boom","type":"server_error"}}', { status: 500 }));
    expect((await expectError(await five.post('/v1/chat/completions', chat), 502, 'backend_error')).message).toContain('boom');
    expect(five.calls).toHaveLength(1);
    const auth = setup(() => new Response('{"error":"Unauthorized"}', { status: 401 }));
    await expectError(await auth.post('/v1/chat/completions', chat), 502, 'backend_auth_failed');
  });

  it('504 when the first byte does not come in time', async () => {
    const { post, calls } = setup(
      (req) =>
        new Promise<Response>((_resolve, reject) => req.signal.addEventListener('abort', () => reject(new Error('aborted')))),
    );
    const err = await expectError(await post('/v1/chat/completions', chat), 504, 'backend_timeout');
    expect(err.message).toContain('first byte');
    expect(calls).toHaveLength(1);
  });

  it('502 when a backend answers SSE to a non-stream request, and vice versa', async () => {
    const sse = setup(() => new Response('data: {}\n\n', { headers: { 'content-type': 'text/event-stream' } }));
    await expectError(await sse.post('/v1/chat/completions', chat), 502, 'backend_bad_response');
    const json = setup(() => okJson());
    await expectError(await json.post('/v1/chat/completions', { ...chat, stream: true }), 502, 'backend_bad_response');
  });

  it('ends a stream that fails midway with an OpenAI error event', async () => {
    const enc = new TextEncoder();
    const parts = ['data: {"choices":[{"delta":{"content":"a"}}]}\n\n', 'data: {"choi'];
    const { post, logs } = setup(
      () =>
        new Response(
          new ReadableStream({
            pull(c) {
              const next = parts.shift();
              if (next) c.enqueue(enc.encode(next));
              else c.error(new Error('connection reset'));
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        ),
    );
    const res = await post('/v1/chat/completions', { ...chat, stream: true });
    expect(res.status).toBe(200);
    const text = await res.text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events[0]).toBe('data: {"choices":[{"delta":{"content":"a"}}]}');
    const last = JSON.parse((events.at(-1) ?? '').slice(6));
    expect(last.error).toMatchObject({ code: 'backend_stream_error', type: 'server_error', param: null });
    expect(text).not.toContain('[DONE]');
    await new Promise((r) => setTimeout(r, 0));
    expect(logs.at(-1)).toMatchObject({ status: 200, error_code: 'backend_stream_error', stream: true });
  });
});

describe('logs', () => {
  it('writes one line per request with tokens and timings, never secrets or prompt text', async () => {
    const { post, logs } = setup(() => okJson());
    const res = await post('/v1/chat/completions', { ...chat, messages: [{ role: 'user', content: 'my secret prompt' }] }, { authorization: 'Bearer sk-client' });
    expect(Number(res.headers.get('x-modeltainer-overhead-ms'))).toBeGreaterThanOrEqual(0);
    const requests = logs.filter((l) => l.msg === 'request');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ msg: 'request', method: 'POST', path: '/v1/chat/completions', model: 'chat', status: 200, prompt_tokens: 3, completion_tokens: 4 });
    expect(typeof requests[0]?.duration_ms).toBe('number');
    expect(typeof requests[0]?.ttfb_ms).toBe('number');
    expect(requests[0]?.overhead_ms).toBe(Number(res.headers.get('x-modeltainer-overhead-ms')));
    const line = JSON.stringify(logs);
    for (const secret of ['my secret prompt', 'sk-client', 'secret-backend-key']) expect(line).not.toContain(secret);
  });
});
