/** /tokenize, /detokenize and llama-server's /apply-template, against the fixtures. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSimulator, type SimOptions } from './index.ts';
import { fixtureRequest, parseHttpFixture, type HttpFixture } from './test-support.ts';
import { byteLevelPiece } from './tokenizer.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test-side JSON access

const LLAMA_DIR = new URL('../../../shared/fixtures/llama-server/', import.meta.url);
const VLLM_DIR = new URL('../../../shared/fixtures/vllm/', import.meta.url);
const llamaFx = (name: string): HttpFixture => parseHttpFixture(readFileSync(new URL(name, LLAMA_DIR), 'utf8'));
const vllmFx = (name: string): HttpFixture => parseHttpFixture(readFileSync(new URL(name, VLLM_DIR), 'utf8'));

const LLAMA: SimOptions = { flavor: 'llamacpp', ctxSize: 2048, parallel: 2 };
const VLLM: SimOptions = { flavor: 'vllm', ctxSize: 2048 };
const post = (path: string, body: Json, headers: Record<string, string> = { 'content-type': 'application/json' }): Request =>
  new Request(`http://127.0.0.1${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
const json = async (res: Promise<Response>): Promise<Json> => (await (await res).json()) as Json;

describe('llama.cpp utility routes', () => {
  it.each(['tokenize.http', 'detokenize.http', 'apply-template.http'])('%s: exact body', async (name) => {
    const fx = llamaFx(name);
    const res = await createSimulator(LLAMA).fetch(fixtureRequest(fx));
    expect([res.status, await res.text(), res.headers.get('content-type')]).toEqual([200, fx.body, 'application/json; charset=utf-8']);
  });

  it('detokenize gives back what was tokenized (with the SentencePiece leading space); add_special and with_pieces', async () => {
    const sim = createSimulator(LLAMA);
    const { tokens } = await json(sim.fetch(post('/tokenize', { content: 'The quick fox, again!' })));
    expect(tokens).toHaveLength(6);
    expect(await json(sim.fetch(post('/detokenize', { tokens })))).toEqual({ content: ' The quick fox, again!' });
    const pieces = await json(sim.fetch(post('/tokenize', { content: 'Say hello', add_special: true, with_pieces: true })));
    expect(pieces).toEqual({ tokens: [{ id: 1, piece: '<s>' }, { id: 14891, piece: ' Say' }, { id: 22172, piece: ' hello' }] });
  });

  it('apply-template folds a system message into the next user turn and drops unknown roles; messages are required', async () => {
    const sim = createSimulator(LLAMA);
    const messages = [{ role: 'system', content: 'Be terse.' }, { role: 'wizard', content: 'x' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Yo' }];
    expect(await json(sim.fetch(post('/apply-template', { messages })))).toEqual({ prompt: '<|user|>\nBe terse.\nHi<|end|>\n<|assistant|>\nYo<|end|>\n' });
    const missing = await sim.fetch(post('/apply-template', {}));
    expect([missing.status, await missing.text()]).toEqual([400, '{"error":{"code":400,"message":"\'messages\' is required","type":"invalid_request_error"}}']);
  });

  it('are not generation requests: no slot, no fault, not counted; the API key applies', async () => {
    const sim = createSimulator({ ...LLAMA, parallel: 1, apiKey: 'k', faults: [{ type: 'status', status: 500 }] });
    const auth = { 'content-type': 'application/json', authorization: 'Bearer k' };
    expect((await sim.fetch(post('/tokenize', { content: 'hi' }))).status).toBe(401);
    expect((await sim.fetch(post('/tokenize', { content: 'hi' }, auth))).status).toBe(200);
    expect(sim.stats().requests).toBe(0);
    expect((await sim.fetch(post('/v1/chat/completions', { messages: [] }, auth))).status).toBe(500); // the fault was still queued
  });
});

describe('vLLM /tokenize and /detokenize', () => {
  it.each(['tokenize.http', 'tokenize-token-strs.http', 'tokenize-chat.http', 'detokenize.http'])('%s: exact body', async (name) => {
    const fx = vllmFx(name);
    const res = await createSimulator(VLLM).fetch(fixtureRequest(fx));
    expect([res.status, await res.text(), res.headers.get('content-type')]).toEqual([200, fx.body, 'application/json']);
  });

  it("the messages form counts like the same chat request's prompt_tokens", async () => {
    const sim = createSimulator(VLLM);
    const messages = [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Tell me a story about a fox.' }];
    const { count } = await json(sim.fetch(post('/tokenize', { messages })));
    const chat = await json(sim.fetch(post('/v1/chat/completions', { messages, max_tokens: 1 })));
    expect(count).toBe(chat.usage.prompt_tokens);
    const noPrompt = await json(sim.fetch(post('/tokenize', { messages, add_generation_prompt: false })));
    expect(noPrompt.count).toBe(count - 3);
  });

  it('byte-level token strings; detokenize gives back what was tokenized', async () => {
    expect(byteLevelPiece(' naïve\n')).toBe('ĠnaÃ¯veĊ');
    const sim = createSimulator(VLLM);
    const { tokens } = await json(sim.fetch(post('/tokenize', { prompt: 'Once upon a time.' })));
    expect(await json(sim.fetch(post('/detokenize', { tokens })))).toEqual({ prompt: 'Once upon a time.' });
  });

  it('validation: neither prompt nor messages, missing tokens, an unknown model, a wrong content type', async () => {
    const sim = createSimulator(VLLM);
    const neither = await json(sim.fetch(post('/tokenize', {})));
    expect(neither.error.message).toContain("2 validation errors:\n  {'type': 'missing', 'loc': ('body', 'TokenizeCompletionRequest', 'prompt')");
    expect(neither.error.message).toContain('in tokenize\n    POST /tokenize');
    const noTokens = await json(sim.fetch(post('/detokenize', {})));
    expect(noTokens.error.message).toContain("'loc': ('body', 'tokens')");
    expect((await sim.fetch(post('/tokenize', { model: 'x', prompt: 'hi' }))).status).toBe(404);
    expect((await sim.fetch(post('/tokenize', { prompt: 'hi' }, { 'content-type': 'text/plain' }))).status).toBe(400);
  });

  it('served for every model kind, without the API key, while asleep, and not counted', async () => {
    const keyed = createSimulator({ ...VLLM, apiKey: 'k', sleepMode: true, sleepMs: 1, wakeMs: 1 });
    await keyed.fetch(new Request('http://127.0.0.1/sleep', { method: 'POST' }));
    expect((await keyed.fetch(post('/tokenize', { prompt: 'hi' }))).status).toBe(200);
    expect(keyed.stats()).toMatchObject({ requests: 0, requestsWhileAsleep: 0, sleeping: true });
    expect((await createSimulator({ ...VLLM, embeddings: true }).fetch(post('/tokenize', { prompt: 'hi' }))).status).toBe(200);
  });
});

describe('count_tokens', () => {
  it('vLLM: generate models only, the chat template counted, pydantic errors', async () => {
    const sim = createSimulator(VLLM);
    const body = { model: 'Qwen/Qwen2.5-0.5B-Instruct', system: 'Be terse.', messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }] };
    expect(await json(sim.fetch(post('/v1/messages/count_tokens', body)))).toEqual({ input_tokens: 18, context_management: { original_input_tokens: 18 } });
    const missing = await json(sim.fetch(post('/v1/messages/count_tokens', { messages: [] })));
    expect(missing.error.message).toContain("'loc': ('body', 'model')");
    expect((await createSimulator({ ...VLLM, rerank: true }).fetch(post('/v1/messages/count_tokens', body))).status).toBe(404);
    expect(sim.stats().requests).toBe(0);
  });
});
