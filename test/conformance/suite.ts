import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import OpenAI from 'openai';
import { createModelTainerClient } from '../../clients/typescript/client.ts';
import { VERSION } from '../../src/version.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { addApiSurfaceTests } from './api-surface.ts';
import type { ConformanceEnv } from './environment.ts';

type Flavor = 'llamacpp' | 'vllm';
const FLAVORS: { flavor: Flavor; chat: string; embed: string }[] = [
  { flavor: 'llamacpp', chat: 'llama', embed: 'llama-embed' },
  { flavor: 'vllm', chat: 'vllm', embed: 'vllm-embed' },
];
const messages = [{ role: 'user' as const, content: 'Say hello' }];

/**
 * The black-box suite every runtime must pass, over real sockets, with the
 * official openai client where a client would use it.
 */
export function addConformanceTests(runtime: string, getEnv: () => ConformanceEnv): void {
  let env: ConformanceEnv;
  let client: OpenAI;
  const post = (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${env.gatewayURL}${path}`, { method: 'POST', headers, body });

  beforeAll(() => {
    env = getEnv();
    client = new OpenAI({ baseURL: `${env.gatewayURL}/v1`, apiKey: 'not-needed', maxRetries: 0 });
  });

  describe(`[${runtime}] models and health`, () => {
    it(`[${runtime}] lists every model and alias`, async () => {
      const ids = [];
      for await (const m of client.models.list()) ids.push(m.id);
      expect(ids).toEqual(expect.arrayContaining(['llama', 'llama-alias', 'vllm', 'vllm-embed', 'inproc']));
    });
    it(`[${runtime}] answers /healthz (with package.json's version) and /readyz`, async () => {
      const health = await fetch(`${env.gatewayURL}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', version: VERSION });
      expect(await (await fetch(`${env.gatewayURL}/readyz`)).json()).toMatchObject({ status: 'ready' });
    });
  });

  for (const { flavor, chat, embed } of FLAVORS) {
    describe(`[${runtime}] ${flavor} backend through the openai client`, () => {
      it(`[${runtime}] ${flavor}: chat non-stream and stream give the same text`, async () => {
        const full = await client.chat.completions.create({ model: chat, messages, max_tokens: 6 });
        const text = full.choices[0]?.message.content ?? '';
        expect(text.length).toBeGreaterThan(0);
        expect(full.usage?.completion_tokens).toBe(6);
        const stream = await client.chat.completions.create({ model: chat, messages, max_tokens: 6, stream: true, stream_options: { include_usage: true } });
        let streamed = '';
        let usage: OpenAI.CompletionUsage | null | undefined;
        for await (const chunk of stream) {
          streamed += chunk.choices[0]?.delta.content ?? '';
          usage = chunk.usage ?? usage;
        }
        expect(streamed).toBe(text);
        expect(usage?.completion_tokens).toBe(6);
      });

      it(`[${runtime}] ${flavor}: completions non-stream and stream`, async () => {
        const full = await client.completions.create({ model: chat, prompt: 'Once upon a time', max_tokens: 5 });
        expect(full.choices[0]?.text.length).toBeGreaterThan(0);
        const stream = await client.completions.create({ model: chat, prompt: 'Once upon a time', max_tokens: 5, stream: true });
        let streamed = '';
        for await (const chunk of stream) streamed += chunk.choices[0]?.text ?? '';
        expect(streamed).toBe(full.choices[0]?.text);
      });

      it(`[${runtime}] ${flavor}: embeddings as floats and base64`, async () => {
        const floats = await client.embeddings.create({ model: embed, input: ['hello world', 'bye'], encoding_format: 'float' });
        expect(floats.data).toHaveLength(2);
        const v = floats.data[0]?.embedding ?? [];
        expect(v.length).toBeGreaterThan(0);
        expect(Math.hypot(...v)).toBeCloseTo(1, 3);
        const b64 = await client.embeddings.create({ model: embed, input: ['hello world', 'bye'] });
        expect(b64.data[0]?.embedding.length).toBe(v.length);
        expect(b64.data[0]?.embedding[0]).toBeCloseTo(v[0] ?? NaN, 5);
      });
    });
  }

  describe(`[${runtime}] OpenAPI document and generated client`, () => {
    it(`[${runtime}] serves the committed docs/openapi.json`, async () => {
      const committed = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
      expect(await (await fetch(`${env.gatewayURL}/openapi.json`)).json()).toEqual(committed);
      const docs = await fetch(`${env.gatewayURL}/docs`);
      expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await docs.text()).toContain('SwaggerUIBundle');
    });
    it(`[${runtime}] the client generated from the document lists models and chats`, async () => {
      const gw = createModelTainerClient(env.gatewayURL);
      const models = await gw.GET('/v1/models');
      expect(models.data?.data.map((m) => m.id)).toContain('llama');
      const chat = await gw.POST('/v1/chat/completions', { body: { model: 'vllm', messages, max_tokens: 3 } });
      expect(chat.response.status).toBe(200);
      const completion = chat.data;
      if (completion === undefined || typeof completion === 'string') throw new Error('expected a JSON chat completion');
      expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
      const missing = await gw.POST('/v1/chat/completions', { body: { model: 'missing', messages } });
      expect(missing.error?.error.code).toBe('model_not_found');
    });
  });

  describe(`[${runtime}] streaming`, () => {
    it(`[${runtime}] passes SSE bytes through unchanged, the first chunk long before the backend finishes`, async () => {
      const requestId = `passthrough-${runtime}-${Date.now()}`;
      const started = performance.now();
      // with include_usage the gateway adds nothing and removes nothing
      const res = await post('/v1/chat/completions', JSON.stringify({ model: 'slow', messages, max_tokens: 10, stream: true, stream_options: { include_usage: true } }), {
        'content-type': 'application/json',
        'x-request-id': requestId,
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = res.body!.getReader();
      const parts: Uint8Array[] = [];
      let firstContentAt = 0;
      const dec = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        if (!firstContentAt && dec.decode(value).includes('"content":"')) firstContentAt = performance.now();
      }
      const received = Buffer.concat(parts);
      const sent = await env.backends.slow.sent.get(requestId);
      expect(sent, 'the backend saw the request id').toBeDefined();
      expect(Buffer.from(sent!.bytes).equals(received)).toBe(true);
      expect(received.toString()).toMatch(/data: \[DONE\]\n\n$/);
      // 10 tokens at 100 ms: the backend takes about a second; the first chunk must not wait for it
      expect(firstContentAt).toBeGreaterThan(started);
      expect(sent!.endedAt - firstContentAt).toBeGreaterThan(500);
    });

    it(`[${runtime}] without include_usage the client gets the backend's bytes minus the usage event the gateway asked for`, async () => {
      const requestId = `usage-hidden-${runtime}-${Date.now()}`;
      const res = await post('/v1/chat/completions', JSON.stringify({ model: 'llama', messages, max_tokens: 4, stream: true }), {
        'content-type': 'application/json',
        'x-request-id': requestId,
      });
      const received = await res.text();
      const sent = new TextDecoder().decode((await env.backends.llamacpp.sent.get(requestId))!.bytes);
      const usageEvent = sent.split(/(?<=\n\n)/).find((e) => e.includes('"choices":[]'));
      expect(usageEvent).toBeDefined();
      expect(received).toBe(sent.replace(usageEvent!, ''));
    });

    it(`[${runtime}] a client that drops mid-stream makes the backend stop within a second`, async () => {
      const slow = env.backends.slow.sim;
      const before = slow.stats().aborted;
      const ctl = new AbortController();
      const res = await fetch(`${env.gatewayURL}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'slow', messages, max_tokens: 200, stream: true }),
        signal: ctl.signal,
      });
      const reader = res.body!.getReader();
      await reader.read();
      const droppedAt = Date.now();
      ctl.abort();
      await reader.cancel().catch(() => undefined);
      while (slow.stats().aborted === before && Date.now() - droppedAt < 3000) await new Promise((r) => setTimeout(r, 20));
      expect(slow.stats().aborted).toBe(before + 1);
      expect(slow.stats().lastAbortAt! - droppedAt).toBeLessThan(1000);
    });

    it(`[${runtime}] a client that leaves while its JSON answer is being generated makes the backend stop within a second (under Miniflare the Worker never hears of it)`, async () => {
      const slow = env.backends.slow.sim;
      const before = slow.stats().aborted;
      const ctl = new AbortController();
      const pending = fetch(`${env.gatewayURL}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'slow', messages, max_tokens: 200 }),
        signal: ctl.signal,
      }).catch((err: unknown) => err);
      // the backend has the request once it counts it in flight
      const sentAt = Date.now();
      while (slow.stats().active === 0 && Date.now() - sentAt < 3000) await new Promise((r) => setTimeout(r, 10));
      const droppedAt = Date.now();
      ctl.abort();
      await pending;
      if (runtime === 'workerd') {
        // Miniflare's local server, in front of workerd here, does not pass on a client's disconnect
        // before the response starts, so the Worker never hears of it (on Cloudflare, wrangler.toml's
        // enable_request_signal makes Request.signal fire); the answer is generated to its end
        await new Promise((r) => setTimeout(r, 1500));
        expect(slow.stats().aborted).toBe(before);
        return;
      }
      while (slow.stats().aborted === before && Date.now() - droppedAt < 3000) await new Promise((r) => setTimeout(r, 20));
      expect(slow.stats().aborted).toBe(before + 1);
      expect(slow.stats().lastAbortAt! - droppedAt).toBeLessThan(1000);
    });

    it(`[${runtime}] a backend reset mid-stream ends the stream with an OpenAI error event`, async () => {
      const res = await post('/v1/chat/completions', JSON.stringify({ model: 'llama', messages, max_tokens: 8, stream: true, sim_fault: { type: 'reset', after_tokens: 2 } }));
      expect(res.status).toBe(200);
      const text = await res.text();
      const events = text.trim().split('\n\n');
      const last = JSON.parse(events.at(-1)!.replace(/^data: /, ''));
      expect(last.error).toMatchObject({ type: 'server_error', code: 'backend_stream_error' });
      expect(text).toContain('"content":"');
      await expect(async () => {
        const s = await client.chat.completions.create({ model: 'llama', messages, stream: true, sim_fault: { type: 'reset', after_tokens: 1 } } as OpenAI.ChatCompletionCreateParamsStreaming);
        for await (const _ of s) void _;
      }).rejects.toThrow();
    });

    it(`[${runtime}] a stream still waiting for its first token gets SSE comments after keepalive_after; the openai client parses it`, async () => {
      const body = { model: 'llama', messages, max_tokens: 3, stream: true, sim_fault: { type: 'slow_headers', ms: 900 } };
      const res = await post('/v1/chat/completions', JSON.stringify(body));
      expect(res.status).toBe(200);
      const events = (await res.text()).split('\n\n').filter(Boolean);
      const firstData = events.findIndex((e) => e.startsWith('data: '));
      expect(firstData).toBeGreaterThanOrEqual(2);
      expect(events.slice(0, firstData).every((e) => e === ': keep-alive')).toBe(true);
      expect(events.at(-1)).toBe('data: [DONE]');
      const stream = await client.chat.completions.create({ ...body, stream: true } as OpenAI.ChatCompletionCreateParamsStreaming);
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text.length).toBeGreaterThan(0);
    });

    it(`[${runtime}] a stream request never gets JSON, a non-stream request never gets SSE`, async () => {
      const inproc = await client.chat.completions.create({ model: 'inproc', messages });
      expect(inproc.object).toBe('chat.completion');
      const res = await post('/v1/chat/completions', JSON.stringify({ model: 'inproc', messages, stream: true }));
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(await res.text()).toMatch(/^data: /);
    });
  });

  describe(`[${runtime}] failures answer in the OpenAI error shape`, () => {
    const expectError = async (res: Response, status: number, code: string | null) => {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await res.json()) as { error: Record<string, unknown> };
      expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect(body.error.code).toBe(code);
      return body.error;
    };

    it(`[${runtime}] 404 model_not_found through the openai client`, async () => {
      const err = await client.chat.completions.create({ model: 'nope', messages }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    });
    it(`[${runtime}] 400 malformed JSON and invalid fields`, async () => {
      await expectError(await post('/v1/chat/completions', '{"model":'), 400, 'invalid_json');
      const e = await expectError(await post('/v1/chat/completions', JSON.stringify({ model: 'llama' })), 400, 'missing_required_parameter');
      expect(e.param).toBe('messages');
    });
    it(`[${runtime}] 415 wrong content type, 413 oversized body`, async () => {
      await expectError(await post('/v1/chat/completions', '{}', { 'content-type': 'text/xml' }), 415, 'unsupported_media_type');
      const big = JSON.stringify({ model: 'llama', messages: [{ role: 'user', content: 'x'.repeat(70_000) }] });
      await expectError(await post('/v1/chat/completions', big), 413, 'request_too_large');
    });
    it(`[${runtime}] 404 unknown route, 405 wrong method`, async () => {
      await expectError(await fetch(`${env.gatewayURL}/v2/nothing`), 404, 'unknown_route');
      await expectError(await fetch(`${env.gatewayURL}/v1/chat/completions`), 405, 'method_not_allowed');
    });
    it(`[${runtime}] a dead backend: 502 until it is found down (probe or ejection), then 503 at once; 504 for a slow one`, async () => {
      const dead = () => post('/v1/chat/completions', JSON.stringify({ model: 'dead', messages }));
      let res = await dead();
      for (let i = 0; i < 5 && res.status === 502; i++) {
        expect((await expectError(res, 502, 'backend_unreachable')).message).toContain('127.0.0.1:9');
        res = await dead();
      }
      const down = await expectError(res, 503, 'backend_unavailable');
      expect(down.message).toMatch(/has no backend taking traffic: openai:127\.0\.0\.1:9 (down|ejected)/);
      expect(res.headers.get('retry-after')).toBe('5');
      const slow = JSON.stringify({ model: 'impatient', messages, sim_fault: { type: 'slow_headers', ms: 1500 } });
      await expectError(await post('/v1/chat/completions', slow), 504, 'backend_timeout');
    });
    it(`[${runtime}] backend 4xx passes through with its message`, async () => {
      const long = JSON.stringify({ model: 'vllm', messages: [{ role: 'user', content: 'word '.repeat(3000) }], max_tokens: 8 });
      const e = await expectError(await post('/v1/chat/completions', long), 400, 'BadRequestError');
      expect(e.message).toContain('maximum context length');
      expect(e.param).toBe('input_tokens');
    });
    it(`[${runtime}] retries a 503 before anything is sent, then succeeds`, async () => {
      env.backends.vllm.sim.injectFault({ type: 'status', status: 503, retry_after: 0 });
      const before = env.backends.vllm.sim.stats().requests;
      const res = await client.chat.completions.create({ model: 'vllm', messages, max_tokens: 2 });
      expect(res.choices[0]?.message.content?.length).toBeGreaterThan(0);
      expect(env.backends.vllm.sim.stats().requests - before).toBe(2);
    });
    it(`[${runtime}] echoes X-Request-Id on success and error`, async () => {
      const ok = await post('/v1/chat/completions', JSON.stringify({ model: 'llama', messages }), { 'content-type': 'application/json', 'x-request-id': 'abc-1' });
      expect(ok.headers.get('x-request-id')).toBe('abc-1');
      const bad = await post('/v1/chat/completions', '{', { 'content-type': 'application/json', 'x-request-id': 'abc-2' });
      expect(bad.headers.get('x-request-id')).toBe('abc-2');
    });
  });

  describe(`[${runtime}] config reload`, () => {
    it(`[${runtime}] POST /admin/reload reloads in place, or says clearly why this runtime cannot`, async () => {
      const res = await fetch(`${env.gatewayURL}/admin/reload`, { method: 'POST' });
      if (runtime === 'workerd') {
        expect(res.status).toBe(501);
        const body = (await res.json()) as { error: Record<string, unknown> };
        expect(body.error).toMatchObject({ code: 'reload_unavailable', type: 'server_error' });
        expect(body.error.message).toMatch(/wrangler deploy/);
      } else {
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ result: 'unchanged', hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
        const status = (await (await fetch(`${env.gatewayURL}/admin/config`)).json()) as Record<string, unknown>;
        expect(status).toMatchObject({ last_reload: { trigger: 'admin', result: 'unchanged' }, last_error: null });
      }
    });

    it(`[${runtime}] an edit of the config file (written by rename, as editors do) is served within a second; SIGHUP reloads too`, async () => {
      const original = readFileSync(env.configFile, 'utf8');
      const listed = async () => {
        const ids: string[] = [];
        for await (const m of client.models.list()) ids.push(m.id);
        return ids;
      };
      const edited = `${original}  - { name: hot-added, backend: sim, sim: { ttft: 0ms, token_delay: 0ms, max_tokens: 2 } }\n`;
      const written = performance.now();
      writeFileSync(`${env.configFile}.tmp`, edited);
      renameSync(`${env.configFile}.tmp`, env.configFile);
      try {
        if (runtime === 'workerd') {
          // the config is part of the deployment: the file is not read again
          await new Promise((r) => setTimeout(r, 1500));
          expect(await listed()).not.toContain('hot-added');
          return;
        }
        while (!(await listed()).includes('hot-added')) {
          expect(performance.now() - written, 'the added model is listed within 1 s').toBeLessThan(1000);
          await new Promise((r) => setTimeout(r, 25));
        }
        // several worker processes (`--workers 2`) each apply the edit, milliseconds apart: one may
        // list the model while the next request lands on another still finishing its reload
        let res: OpenAI.Chat.Completions.ChatCompletion | undefined;
        while (!res) {
          try {
            res = await client.chat.completions.create({ model: 'hot-added', messages, max_tokens: 2 });
          } catch (err) {
            if (!(err instanceof OpenAI.NotFoundError) || performance.now() - written > 1000) throw err;
            await new Promise((r) => setTimeout(r, 25));
          }
        }
        expect(res.choices[0]?.message.content?.length).toBeGreaterThan(0);
      } finally {
        writeFileSync(env.configFile, original);
      }
      const status = async () => (await (await fetch(`${env.gatewayURL}/admin/config`)).json()) as { last_reload: { trigger: string } | null };
      const restored = performance.now();
      while ((await listed()).includes('hot-added')) {
        expect(performance.now() - restored, 'the model is gone again within 1 s').toBeLessThan(1000);
        await new Promise((r) => setTimeout(r, 25));
      }
      env.signal('SIGHUP');
      const signalled = performance.now();
      while ((await status()).last_reload?.trigger !== 'SIGHUP') {
        expect(performance.now() - signalled, 'SIGHUP reloads within 1 s').toBeLessThan(1000);
        await new Promise((r) => setTimeout(r, 25));
      }
    });
  });

  describe(`[${runtime}] logs`, () => {
    it(`[${runtime}] one JSON line per request with model, status and tokens; no secrets or prompt text`, async () => {
      const secretPrompt = `confidential-${runtime}-prompt`;
      await post('/v1/chat/completions', JSON.stringify({ model: 'llama', messages: [{ role: 'user', content: secretPrompt }], max_tokens: 3 }), {
        'content-type': 'application/json',
        authorization: 'Bearer sk-very-secret',
        'x-request-id': `log-check-${runtime}`,
      });
      const deadline = Date.now() + 2000;
      let line: Record<string, unknown> | undefined;
      while (!line && Date.now() < deadline) {
        line = env.logs.find((l) => l.request_id === `log-check-${runtime}`);
        if (!line) await new Promise((r) => setTimeout(r, 20));
      }
      expect(line).toMatchObject({ msg: 'request', model: 'llama', status: 200, completion_tokens: 3, method: 'POST' });
      expect(typeof line?.prompt_tokens).toBe('number');
      const all = JSON.stringify(env.logs);
      expect(all).not.toContain(secretPrompt);
      expect(all).not.toContain('sk-very-secret');
      expect(env.strayLines.filter((l) => env.runtime === 'node' || !l.startsWith('[runtime]'))).toEqual([]);
    });
  });

  addApiSurfaceTests(runtime, () => env);
}
