/** POST /v1/responses (OpenAI Responses API) in both flavours, against the fixtures. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSimulator, type SimOptions } from './index.ts';
import { fixtureRequest, jsonShape, parseHttpFixture, readWrites, sseNamedEvents, type HttpFixture } from './test-support.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test-side JSON access

const LLAMA_DIR = new URL('../../../shared/fixtures/llama-server/', import.meta.url);
const VLLM_DIR = new URL('../../../shared/fixtures/vllm/', import.meta.url);
const llamaFx = (name: string): HttpFixture => parseHttpFixture(readFileSync(new URL(name, LLAMA_DIR), 'utf8'));
const vllmFx = (name: string): HttpFixture => parseHttpFixture(readFileSync(new URL(name, VLLM_DIR), 'utf8'));

const LLAMA: SimOptions = { flavor: 'llamacpp', ctxSize: 2048, parallel: 2 };
const VLLM: SimOptions = { flavor: 'vllm', ctxSize: 2048 };
const SLEEPY: SimOptions = { ...VLLM, sleepMode: true, sleepMs: 10, wakeMs: 10 };

const post = (path: string, body: Json, headers: Record<string, string> = { 'content-type': 'application/json' }): Request =>
  new Request(`http://127.0.0.1${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const names = (body: string): Array<string | null> => sseNamedEvents(body).map((e) => e.event);
/** Per-response values (ids, times, generated text) replaced, so the rest must match byte for byte. */
const stable = (s: string): string => s
  .replace(/"(id|item_id)":"[^"]*"/g, '"$1":"ID"')
  .replace(/"created_at":\d+/g, '"created_at":0')
  .replace(/"(text|delta)":"(?:[^"\\]|\\.)*"/g, '"$1":"T"');

describe('llama.cpp /v1/responses', () => {
  it.each([['responses.http', 13, 8], ['responses-messages-input.http', 18, 4]])('%s: the fixture body structure and token counts', async (name, input, output) => {
    const fx = llamaFx(name);
    const res = await createSimulator(LLAMA).fetch(fixtureRequest(fx));
    expect([res.status, res.headers.get('content-type'), res.headers.get('server')]).toEqual([200, 'application/json; charset=utf-8', 'llama.cpp']);
    const body = (await res.json()) as Json;
    expect(jsonShape(body)).toEqual(jsonShape(JSON.parse(fx.body)));
    expect(body.usage).toEqual({ input_tokens: input, output_tokens: output, total_tokens: input + output, input_tokens_details: { cached_tokens: 0 } });
    expect(body.id).toMatch(/^resp_[A-Za-z0-9]{32}$/);
    expect(body.output[0].id).toMatch(/^msg_[A-Za-z0-9]{32}$/);
    expect(body.model).toBe('tiny-llama');
  });

  it('responses-invalid.http: no input is a 400 that closes the connection; /responses is the same route', async () => {
    const fx = llamaFx('responses-invalid.http');
    const res = await createSimulator(LLAMA).fetch(fixtureRequest(fx));
    expect([res.status, await res.text(), res.headers.get('connection')]).toEqual([400, fx.body, 'close']);
    const alias = await createSimulator(LLAMA).fetch(post('/responses', { input: 'Say hello', max_output_tokens: 2 }));
    expect(((await alias.json()) as Json).object).toBe('response');
  });

  it('responses-stream.http: named events in the fixture order and shapes, first write carries the opening events, no [DONE]', async () => {
    const fx = llamaFx('responses-stream.http');
    const res = await createSimulator(LLAMA).fetch(fixtureRequest(fx));
    expect([res.headers.get('content-type'), res.headers.get('x-accel-buffering')]).toEqual(['text/event-stream', 'no']);
    const writes = await readWrites(res);
    const got = sseNamedEvents(writes.join(''));
    const want = sseNamedEvents(fx.body);
    expect(got.map((e) => e.event)).toEqual(want.map((e) => e.event));
    const shapeOf = (events: typeof got, type: string): unknown => jsonShape(JSON.parse(events.find((e) => e.event === type)?.data ?? '{}'));
    for (const type of new Set(want.map((e) => e.event ?? ''))) expect([type, shapeOf(got, type)]).toEqual([type, shapeOf(want, type)]);
    for (const e of got) expect((JSON.parse(e.data) as Json).type).toBe(e.event);
    // Headers go out with the first token: the opening events and the first delta share one write.
    expect(names(writes[0] ?? '')).toEqual(want.slice(0, 5).map((e) => e.event));
    expect(names(writes.at(-1) ?? '')).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    expect(writes).toHaveLength(1 + 4 + 1);
    const deltas = got.filter((e) => e.event === 'response.output_text.delta').map((e) => (JSON.parse(e.data) as Json).delta as string);
    const completed = JSON.parse(got.at(-1)?.data ?? '{}') as Json;
    expect(completed.response.output[0].content[0].text).toBe(deltas.join(''));
    expect(completed.response.usage).toMatchObject({ input_tokens: 13, output_tokens: 5, total_tokens: 18 });
    expect(completed.timings).toMatchObject({ prompt_n: 13, predicted_n: 5 });
  });

  it('sends no headers until the first token (ttftMs), like chat', async () => {
    const t0 = Date.now();
    const res = await createSimulator({ ...LLAMA, ttftMs: 80 }).fetch(post('/v1/responses', { input: 'hi', stream: true, max_output_tokens: 2 }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(75);
    expect(names((await readWrites(res)).join('')).at(-1)).toBe('response.completed');
  });

  it('a midstream_error fault ends the stream with the data-only error event; a status fault answers at once; both are counted', async () => {
    const sim = createSimulator(LLAMA);
    sim.injectFault({ type: 'midstream_error', after_tokens: 2 });
    const events = sseNamedEvents((await readWrites(await sim.fetch(post('/v1/responses', { input: 'hi', stream: true, max_output_tokens: 6 })))).join(''));
    expect(events.filter((e) => e.event === 'response.output_text.delta')).toHaveLength(2);
    expect(events.at(-1)).toEqual({ event: null, data: sseNamedEvents(llamaFx('chat-stream-midstream-error.http').body).at(-1)?.data });
    sim.injectFault({ type: 'status', status: 429, retry_after: 2 });
    const limited = await sim.fetch(post('/v1/responses', { input: 'hi' }));
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
    expect(sim.stats()).toMatchObject({ requests: 2, completed: 2, active: 0 });
  });

  it('takes the API key like chat (X-Api-Key too), and an --embeddings server cannot answer', async () => {
    const keyed = createSimulator({ ...LLAMA, apiKey: 'sk-test-123' });
    expect((await keyed.fetch(post('/v1/responses', { input: 'hi', max_output_tokens: 1 }))).status).toBe(401);
    const ok = await keyed.fetch(post('/v1/responses', { input: 'hi', max_output_tokens: 1 }, { 'x-api-key': 'sk-test-123' }));
    expect(ok.status).toBe(200);
    const embed = await createSimulator({ ...LLAMA, embeddings: true }).fetch(post('/v1/responses', { input: 'hi' }));
    expect(embed.status).toBe(500);
  });
});

describe('vLLM /v1/responses', () => {
  it('responses.http: byte for byte but ids, times and text (Python floats, key order, incomplete at max_output_tokens)', async () => {
    const fx = vllmFx('responses.http');
    const res = await createSimulator(VLLM).fetch(fixtureRequest(fx));
    expect([res.status, res.headers.get('content-type'), res.headers.get('server')]).toEqual([200, 'application/json', 'uvicorn']);
    const text = await res.text();
    expect(stable(text)).toBe(stable(fx.body));
    const body = JSON.parse(text) as Json;
    expect(body.id).toMatch(/^resp_[0-9a-f]{16}$/);
    expect(body.output[0].id).toMatch(/^msg_[0-9a-f]{16}$/);
  });

  it.each(['responses-error-background-without-store.http', 'responses-error-previous-id-not-stored.http'])('%s: exact error body', async (name) => {
    const fx = vllmFx(name);
    const res = await createSimulator(VLLM).fetch(fixtureRequest(fx));
    expect([res.status, await res.text()]).toEqual([fx.status, fx.body]);
  });

  it('validation: a missing input is a pydantic 400, an unknown model a 404, a wrong content type a 400', async () => {
    const sim = createSimulator(VLLM);
    const missing = (await (await sim.fetch(post('/v1/responses', { max_output_tokens: 4 }))).json()) as Json;
    expect(missing.error).toMatchObject({ type: 'Bad Request', code: 400 });
    expect(missing.error.message).toContain("'loc': ('body', 'input'), 'msg': 'Field required'");
    expect(missing.error.message).toContain('in create_responses\n    POST /v1/responses');
    const unknown = await sim.fetch(post('/v1/responses', { model: 'gpt-4o', input: 'hi' }));
    expect([unknown.status, await unknown.text()]).toEqual([404, '{"error":{"message":"The model `gpt-4o` does not exist.","type":"NotFoundError","param":"model","code":404}}']);
    expect((await sim.fetch(post('/v1/responses', { input: 'hi' }, { 'content-type': 'text/plain' }))).status).toBe(400);
    expect(sim.stats()).toMatchObject({ requests: 3, completed: 3 });
  });

  it('echoes instructions, sampling values and the effective max_output_tokens; completes on a natural stop; request_id is the id', async () => {
    const res = await createSimulator(VLLM).fetch(post('/v1/responses', { input: 'Say hello', instructions: 'Be terse.', temperature: 1, request_id: 'resp_mine' }, {
      'content-type': 'application/json', 'x-request-id': 'ignored',
    }));
    const text = await res.text();
    const body = JSON.parse(text) as Json;
    expect(body).toMatchObject({ id: 'resp_mine', instructions: 'Be terse.', status: 'completed', incomplete_details: null, top_p: 0.8 });
    expect(text).toContain('"temperature":1.0,');
    expect(body.max_output_tokens).toBe(2048 - body.usage.input_tokens);
    expect(body.usage.input_tokens).toBe(3 + (3 + 3 + 2) + (3 + 2 + 2)); // assistant prefix, the instructions as system, the input
  });

  it('responses-stream.http: one write per event, the fixture events byte for byte but ids, times and text, no [DONE]', async () => {
    const fx = vllmFx('responses-stream.http');
    const res = await createSimulator(VLLM).fetch(fixtureRequest(fx));
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const writes = await readWrites(res);
    expect(writes.every((w) => sseNamedEvents(w).length === 1)).toBe(true);
    expect(writes.map(stable)).toEqual(sseNamedEvents(fx.body).map((e) => stable(`event: ${e.event}\ndata: ${e.data}\n\n`)));
    const events = writes.map((w) => JSON.parse(sseNamedEvents(w)[0]?.data ?? '{}') as Json);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const itemId = events[2]?.item.id as string;
    expect(itemId).toMatch(/^[0-9a-f]{16}$/);
    expect(events.at(-1)?.response.output[0].id).toMatch(/^msg_[0-9a-f]{16}$/);
  });

  it('response.created and response.in_progress go out at once; the item opens with the first token (ttftMs)', async () => {
    const t0 = Date.now();
    const res = await createSimulator({ ...VLLM, ttftMs: 150 }).fetch(post('/v1/responses', { input: 'hi', stream: true, max_output_tokens: 2 }));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    expect(names(dec.decode((await reader.read()).value))).toEqual(['response.created']);
    expect(names(dec.decode((await reader.read()).value))).toEqual(['response.in_progress']);
    expect(Date.now() - t0).toBeLessThan(100);
    expect(names(dec.decode((await reader.read()).value))).toEqual(['response.output_item.added']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    await reader.cancel();
  });

  it('a midstream_error fault cuts the connection mid-body: no response.completed', async () => {
    const sim = createSimulator(VLLM);
    const res = await sim.fetch(post('/v1/responses', { input: 'hi', stream: true, max_output_tokens: 8, sim_fault: { type: 'midstream_error', after_tokens: 2 } }));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    let text = '';
    await expect((async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += dec.decode(value);
      }
    })()).rejects.toThrow('sim reset');
    expect(names(text)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.delta']);
    expect(sim.stats()).toMatchObject({ requests: 1, completed: 1, active: 0 });
  });

  it('is guarded by --api-key (Bearer only)', async () => {
    const sim = createSimulator({ ...VLLM, apiKey: 'sk-test-123' });
    expect((await sim.fetch(post('/v1/responses', { input: 'hi' }))).status).toBe(401);
    expect((await sim.fetch(post('/v1/responses', { input: 'hi', max_output_tokens: 1 }, { 'content-type': 'application/json', authorization: 'Bearer sk-test-123' }))).status).toBe(200);
  });

  it('while asleep a stream gets response.created and response.in_progress, then waits for the wake-up', async () => {
    const sim = createSimulator(SLEEPY);
    await sim.fetch(new Request('http://127.0.0.1/sleep', { method: 'POST' }));
    const res = await sim.fetch(post('/v1/responses', { input: 'hi', stream: true, max_output_tokens: 3 }));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    let text = dec.decode((await reader.read()).value) + dec.decode((await reader.read()).value);
    const next = reader.read();
    expect(await Promise.race([next.then(() => true), pause(100).then(() => false)])).toBe(false);
    await sim.fetch(new Request('http://127.0.0.1/wake_up', { method: 'POST' }));
    text += dec.decode((await next).value);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += dec.decode(value);
    }
    expect(names(text).at(-1)).toBe('response.completed');
    expect(sim.stats()).toMatchObject({ requestsWhileAsleep: 1, completed: 1, active: 0 });
  });

  it('a /sleep (mode=abort) ends an in-flight stream with a "completed" response holding the text so far', async () => {
    const sim = createSimulator({ ...SLEEPY, tokenDelayMs: 15 });
    const body = readWrites(await sim.fetch(post('/v1/responses', { input: 'hi', stream: true, max_output_tokens: 64 })));
    await pause(70);
    await sim.fetch(new Request('http://127.0.0.1/sleep', { method: 'POST' }));
    const events = sseNamedEvents((await body).join(''));
    const completed = JSON.parse(events.at(-1)?.data ?? '{}') as Json;
    const deltas = events.filter((e) => e.event === 'response.output_text.delta');
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.length).toBeLessThan(64);
    expect(completed.response).toMatchObject({ status: 'completed', incomplete_details: null, usage: { output_tokens: deltas.length } });
    expect(sim.stats()).toMatchObject({ abortedBySleep: 1, completed: 1 });
  });
});
