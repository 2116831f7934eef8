/** POST /v1/messages and /v1/messages/count_tokens (Anthropic Messages API) in both flavours, against the fixtures. */
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

const post = (body: Json, headers: Record<string, string> = {}): Request => new Request('http://127.0.0.1/v1/messages', {
  method: 'POST', headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify({ model: 'Qwen/Qwen2.5-0.5B-Instruct', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 8, ...body }),
});
const call = (sim: { fetch(r: Request): Promise<Response> }, path: string): Promise<Response> => sim.fetch(new Request(`http://127.0.0.1${path}`, { method: 'POST' }));
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const names = (body: string): Array<string | null> => sseNamedEvents(body).map((e) => e.event);
const data = (body: string, event: string): Json[] => sseNamedEvents(body).filter((e) => e.event === event).map((e) => JSON.parse(e.data) as Json);
/** Per-response values (ids, generated text) replaced, so the rest must match byte for byte. */
const stable = (s: string): string => s.replace(/"id":"[^"]*"/g, '"id":"ID"').replace(/"text":"(?:[^"\\]|\\.)+"/g, '"text":"T"');

describe('llama.cpp /v1/messages', () => {
  it.each([['messages.http', 13, 8], ['messages-system.http', 19, 4], ['messages-no-max-tokens.http', 13, 16]])('%s: the fixture body structure and token counts', async (name, input, output) => {
    const fx = llamaFx(name);
    const res = await createSimulator(LLAMA).fetch(fixtureRequest(fx));
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'application/json; charset=utf-8']);
    const body = (await res.json()) as Json;
    expect(jsonShape(body)).toEqual(jsonShape(JSON.parse(fx.body)));
    expect(body.usage).toEqual({ cache_read_input_tokens: 0, input_tokens: input, output_tokens: output });
    expect(body.id).toMatch(/^chatcmpl-[A-Za-z0-9]{32}$/);
    // max_tokens omitted: llama-server generates until its own limit and stops there.
    expect(body.stop_reason).toBe(name === 'messages-no-max-tokens.http' ? 'end_turn' : 'max_tokens');
  });

  it.each(['messages-invalid.http', 'messages-count-tokens.http'])('%s: exact body', async (name) => {
    const fx = llamaFx(name);
    const res = await createSimulator(LLAMA).fetch(fixtureRequest(fx));
    expect([res.status, await res.text(), res.headers.get('connection')]).toEqual([fx.status, fx.body, fx.status >= 400 ? 'close' : null]);
  });

  it('messages-stream.http: the fixture events and shapes, input tokens in message_start and output tokens in message_delta, no [DONE]', async () => {
    const fx = llamaFx('messages-stream.http');
    const writes = await readWrites(await createSimulator(LLAMA).fetch(fixtureRequest(fx)));
    const body = writes.join('');
    const want = sseNamedEvents(fx.body);
    expect(names(body)).toEqual(want.map((e) => e.event));
    for (const type of new Set(want.map((e) => e.event ?? ''))) {
      expect([type, jsonShape(data(body, type)[0])]).toEqual([type, jsonShape(data(fx.body, type)[0])]);
    }
    expect(names(writes[0] ?? '')).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    expect(names(writes.at(-1) ?? '')).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(data(body, 'message_start')[0]?.message.usage).toEqual({ cache_read_input_tokens: 0, input_tokens: 13, output_tokens: 0 });
    expect(data(body, 'message_delta')[0]).toEqual({ type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { output_tokens: 6 } });
  });

  it('stop_sequences end the turn and are reported; a midstream_error is an `event: error` with no message_stop', async () => {
    const sim = createSimulator(LLAMA);
    const stopped = (await (await sim.fetch(post({ max_tokens: 200, stop_sequences: ['e'] }))).json()) as Json;
    expect(stopped).toMatchObject({ stop_reason: 'end_turn', stop_sequence: 'e' });
    const body = (await readWrites(await sim.fetch(post({ stream: true, sim_fault: { type: 'midstream_error', after_tokens: 2 } })))).join('');
    expect(names(body)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'error']);
    expect(sseNamedEvents(body).at(-1)?.data).toBe('{"code":500,"message":"The model produced output that does not match the expected peg-native format","type":"server_error"}');
    expect(sim.stats()).toMatchObject({ requests: 2, completed: 2, active: 0 });
  });

  it('accepts the Anthropic X-Api-Key header; count_tokens needs the key too', async () => {
    const sim = createSimulator({ ...LLAMA, apiKey: 'sk-test-123' });
    expect((await sim.fetch(post({}, { 'x-api-key': 'sk-test-123' }))).status).toBe(200);
    expect((await sim.fetch(post({}))).status).toBe(401);
    expect((await call(sim, '/v1/messages/count_tokens')).status).toBe(401);
  });
});

describe('vLLM /v1/messages', () => {
  it('messages.http: byte for byte but the id and text (exclude_none: no stop_sequence, no cache fields)', async () => {
    const fx = vllmFx('messages.http');
    const res = await createSimulator(VLLM).fetch(fixtureRequest(fx));
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'application/json']);
    const text = await res.text();
    expect(stable(text)).toBe(stable(fx.body));
    expect((JSON.parse(text) as Json).id).toMatch(/^chatcmpl-[0-9a-f]{16}$/);
  });

  it.each<[string, SimOptions]>([
    ['messages-error-unknown-model.http', VLLM], ['messages-error-missing-max-tokens.http', VLLM], ['messages-count-tokens.http', VLLM],
    ['messages-apikey-x-api-key-401.http', { ...VLLM, apiKey: 'sk-test-123' }],
  ])('%s: exact body', async (name, opts) => {
    const fx = vllmFx(name);
    const res = await createSimulator(opts).fetch(fixtureRequest(fx));
    expect([res.status, await res.text(), res.headers.get('content-type')]).toEqual([fx.status, fx.body, 'application/json']);
  });

  it('messages-stream.http: one write per event, byte for byte but the id and text', async () => {
    const fx = vllmFx('messages-stream.http');
    const res = await createSimulator(VLLM).fetch(fixtureRequest(fx));
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const writes = await readWrites(res);
    expect(writes.map(stable)).toEqual(sseNamedEvents(fx.body).map((e) => stable(`event: ${e.event}\ndata: ${e.data}\n\n`)));
  });

  it('takes X-Request-Id as the id suffix, Bearer keys, stop_sequences (reported as end_turn only)', async () => {
    const sim = createSimulator({ ...VLLM, apiKey: 'k' });
    const res = await sim.fetch(post({ max_tokens: 200, stop_sequences: ['e'] }, { authorization: 'Bearer k', 'x-request-id': 'abc' }));
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({ id: 'chatcmpl-abc', stop_reason: 'end_turn' });
    expect(body).not.toHaveProperty('stop_sequence');
    expect(body.content[0].text).not.toContain('e');
  });

  it('faults: a midstream_error is an internal_error event with no message_stop; status faults are Anthropic-shaped', async () => {
    const sim = createSimulator(VLLM);
    const body = (await readWrites(await sim.fetch(post({ stream: true, sim_fault: { type: 'midstream_error', after_tokens: 1 } })))).join('');
    expect(names(body)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'error']);
    const error = data(body, 'error')[0] as Json;
    expect(Object.keys(error)).toEqual(['type', 'error']);
    expect(error.error.type).toBe('internal_error');
    expect(error.error.message).toMatch(/^2 validation errors for ChatCompletionStreamResponse\nmodel\n {2}Field required \[type=missing, input_value=\{'error': \{'message': 'In\.\.\./);
    sim.injectFault({ type: 'status', status: 500 });
    const failed = await sim.fetch(post({}));
    expect([failed.status, await failed.text()]).toEqual([500, '{"type":"error","error":{"type":"InternalServerError","message":"Internal server error"}}']);
    sim.injectFault({ type: 'status', status: 503 });
    expect(await (await sim.fetch(post({}))).text()).toBe('{"error":"The model is currently scaling. Please try again later."}');
    expect(sim.stats()).toMatchObject({ requests: 3, completed: 3, active: 0 });
  });

  it('/sleep mode=abort: an in-flight stream ends with stop_reason null; a non-stream answer has no stop_reason', async () => {
    const sim = createSimulator({ ...SLEEPY, tokenDelayMs: 15 });
    const stream = readWrites(await sim.fetch(post({ stream: true, max_tokens: 64 })));
    const plain = sim.fetch(post({ max_tokens: 64 }));
    await pause(70);
    await call(sim, '/sleep');
    const body = (await stream).join('');
    expect(names(body).slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    const delta = data(body, 'message_delta')[0] as Json;
    expect(delta.delta).toEqual({ stop_reason: null });
    expect(delta.usage.output_tokens).toBe(data(body, 'content_block_delta').length);
    const answer = (await (await plain).json()) as Json;
    expect(answer).not.toHaveProperty('stop_reason');
    expect(answer.usage.output_tokens).toBeGreaterThan(0);
    expect(sim.stats()).toMatchObject({ abortedBySleep: 2, completed: 2 });
  });

  it('queued while asleep, then aborted by a second /sleep before any token: message_start, message_delta (end_turn), message_stop', async () => {
    const sim = createSimulator(SLEEPY);
    await call(sim, '/sleep');
    const body = readWrites(await sim.fetch(post({ stream: true })));
    expect(await Promise.race([body.then(() => true), pause(80).then(() => false)])).toBe(false);
    await call(sim, '/sleep');
    const text = (await body).join('');
    expect(names(text)).toEqual(['message_start', 'message_delta', 'message_stop']);
    expect(data(text, 'message_delta')[0]).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 31, output_tokens: 0 } });
    expect(sim.stats()).toMatchObject({ requestsWhileAsleep: 1, abortedBySleep: 1 });
  });

  it('a pooling model has no Messages routes', async () => {
    const res = await createSimulator({ flavor: 'vllm', embeddings: true }).fetch(post({}));
    expect([res.status, await res.text()]).toEqual([404, '{"detail":"Not Found"}']);
  });
});
