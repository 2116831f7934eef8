/** vLLM sleep mode (/sleep, /wake_up, /is_sleeping) against the source-derived sleep fixtures. */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { createSimulator, type SimOptions, type Simulator } from './index.ts';
import { fixtureRequest, jsonShape, parseHttpFixture, readWrites, sseData, type HttpFixture } from './test-support.ts';

const DIR = new URL('../../../shared/fixtures/vllm/', import.meta.url);
const raw = (name: string): string => readFileSync(new URL(name, DIR), 'utf8');
const fixture = (name: string): HttpFixture => parseHttpFixture(raw(name));

/** `VLLM_SERVER_DEV_MODE=1 vllm serve Qwen/Qwen2.5-0.5B-Instruct --enable-sleep-mode --max-model-len 2048`. */
const SLEEPY: SimOptions = { flavor: 'vllm', ctxSize: 2048, sleepMode: true, sleepMs: 10, wakeMs: 10 };

const call = (sim: Simulator, method: string, path: string): Promise<Response> => sim.fetch(new Request(`http://127.0.0.1${path}`, { method }));
const chat = (extra: Record<string, unknown> = {}, signal?: AbortSignal): Request =>
  new Request('http://127.0.0.1/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'Qwen/Qwen2.5-0.5B-Instruct', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 8, ...extra }),
    ...(signal ? { signal } : {}),
  });
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Resolves to true if `p` settles within `ms`. */
const settlesWithin = (p: Promise<unknown>, ms: number): Promise<boolean> => Promise.race([p.then(() => true, () => true), pause(ms).then(() => false)]);
const shapes = (events: string[]): unknown[] => events.map((e) => (e === '[DONE]' ? e : jsonShape(JSON.parse(e))));
/** An event without its per-response values (id, created). */
const stable = (event: string): unknown => ({ ...(JSON.parse(event) as object), id: 'ID', created: 0 });

/** 200, empty body, no content-type: what /sleep and /wake_up answer. */
async function expectEmpty200(res: Response): Promise<void> {
  expect([res.status, await res.text(), res.headers.get('content-type'), res.headers.get('content-length'), res.headers.get('server')]).toEqual([200, '', null, '0', 'uvicorn']);
}

async function expectFixture(res: Response, fx: HttpFixture): Promise<void> {
  expect(res.status).toBe(fx.status);
  expect(await res.text()).toBe(fx.body);
  expect(res.headers.get('content-type')).toBe(fx.headers.find(([k]) => k === 'content-type')?.[1] ?? null);
}

describe('vLLM sleep mode: gating on dev mode', () => {
  it.each(['sleep-dev-mode-off-sleep-404.http', 'sleep-dev-mode-off-wake-up-404.http', 'sleep-dev-mode-off-is-sleeping-404.http'])(
    '%s: without sleepMode the routes are not registered',
    async (name) => {
      const fx = fixture(name);
      const sim = createSimulator({ flavor: 'vllm', ctxSize: 2048 });
      await expectFixture(await sim.fetch(fixtureRequest(fx)), fx);
      expect(sim.stats()).toMatchObject({ sleeping: false, sleeps: 0, wakeUps: 0 });
    },
  );

  it('the llama.cpp flavour ignores sleepMode', async () => {
    const sim = createSimulator({ flavor: 'llamacpp', sleepMode: true });
    expect(sim.options.sleepMode).toBe(false);
    expect((await call(sim, 'POST', '/sleep')).status).toBe(404);
    expect(sim.stats()).toMatchObject({ sleeping: false, sleeps: 0, wakeUps: 0, requestsWhileAsleep: 0, abortedBySleep: 0 });
  });

  it('defaults: sleepMs and wakeMs 50', () => {
    expect(createSimulator({ flavor: 'vllm', sleepMode: true }).options).toMatchObject({ sleepMode: true, sleepMs: 50, wakeMs: 50 });
    expect(() => createSimulator({ flavor: 'vllm', sleepMs: -1 })).toThrow(/sleepMs/);
  });
});

describe('vLLM sleep mode: the routes', () => {
  it('sleep-is-sleeping-awake.http, sleep-level1.http, sleep-is-sleeping-asleep.http, sleep-wake-up.http', async () => {
    const sim = createSimulator(SLEEPY);
    await expectFixture(await sim.fetch(fixtureRequest(fixture('sleep-is-sleeping-awake.http'))), fixture('sleep-is-sleeping-awake.http'));
    await expectEmpty200(await sim.fetch(fixtureRequest(fixture('sleep-level1.http'))));
    expect(sim.stats()).toMatchObject({ sleeping: true, sleeps: 1, wakeUps: 0 });
    await expectFixture(await sim.fetch(fixtureRequest(fixture('sleep-is-sleeping-asleep.http'))), fixture('sleep-is-sleeping-asleep.http'));
    await expectEmpty200(await sim.fetch(fixtureRequest(fixture('sleep-wake-up.http'))));
    expect(sim.stats()).toMatchObject({ sleeping: false, sleeps: 1, wakeUps: 1 });
    expect(await (await call(sim, 'GET', '/is_sleeping')).text()).toBe('{"is_sleeping":false}');
  });

  it('/sleep returns only once asleep (sleepMs), /wake_up once awake (wakeMs); /is_sleeping is true from the start', async () => {
    const sim = createSimulator({ ...SLEEPY, sleepMs: 120, wakeMs: 80 });
    let t0 = Date.now();
    const sleeping = call(sim, 'POST', '/sleep?level=1');
    await pause(20);
    expect(await (await call(sim, 'GET', '/is_sleeping')).json()).toEqual({ is_sleeping: true });
    expect(sim.stats().sleeps).toBe(0);
    await sleeping;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
    // Already asleep: the executor just logs "already sleeping".
    t0 = Date.now();
    await call(sim, 'POST', '/sleep?level=2');
    expect(Date.now() - t0).toBeLessThan(60);
    t0 = Date.now();
    await call(sim, 'POST', '/wake_up');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(70);
    // Nothing asleep: a quick no-op that still counts.
    t0 = Date.now();
    await expectEmpty200(await call(sim, 'POST', '/wake_up'));
    expect(Date.now() - t0).toBeLessThan(60);
    expect(sim.stats()).toMatchObject({ sleeping: false, sleeps: 2, wakeUps: 2 });
  });

  it('sleep-level2.http, then sleep-wake-up-tags-weights.http, sleep-is-sleeping-after-weights-only.http, sleep-wake-up-tags-kv-cache.http', async () => {
    const sim = createSimulator(SLEEPY);
    await expectEmpty200(await sim.fetch(fixtureRequest(fixture('sleep-level2.http'))));
    await expectEmpty200(await sim.fetch(fixtureRequest(fixture('sleep-wake-up-tags-weights.http'))));
    const weightsOnly = fixture('sleep-is-sleeping-after-weights-only.http');
    await expectFixture(await sim.fetch(fixtureRequest(weightsOnly)), weightsOnly);
    expect(sim.stats().sleeping).toBe(true);
    await expectEmpty200(await sim.fetch(fixtureRequest(fixture('sleep-wake-up-tags-kv-cache.http'))));
    expect(await (await call(sim, 'GET', '/is_sleeping')).text()).toBe('{"is_sleeping":false}');
    expect(sim.stats()).toMatchObject({ sleeping: false, sleeps: 1, wakeUps: 2 });
  });

  it('repeated tags wake both; a tag that is not asleep (or a comma list) wakes nothing', async () => {
    const sim = createSimulator(SLEEPY);
    await call(sim, 'POST', '/sleep');
    await expectEmpty200(await call(sim, 'POST', '/wake_up?tags=weights,kv_cache'));
    expect((await (await call(sim, 'GET', '/is_sleeping')).json())).toEqual({ is_sleeping: true });
    await expectEmpty200(await call(sim, 'POST', '/wake_up?tags=weights&tags=scheduling'));
    expect((await (await call(sim, 'GET', '/is_sleeping')).json())).toEqual({ is_sleeping: true });
    await expectEmpty200(await call(sim, 'POST', '/wake_up?tags=weights&tags=kv_cache'));
    expect((await (await call(sim, 'GET', '/is_sleeping')).json())).toEqual({ is_sleeping: false });
  });

  it('level 0 only pauses scheduling (no sleepMs); /is_sleeping is still true', async () => {
    const sim = createSimulator({ ...SLEEPY, sleepMs: 500 });
    const t0 = Date.now();
    await expectEmpty200(await call(sim, 'POST', '/sleep?level=0'));
    expect(Date.now() - t0).toBeLessThan(200);
    expect(await (await call(sim, 'GET', '/is_sleeping')).json()).toEqual({ is_sleeping: true });
    const queued = sim.fetch(chat());
    expect(await settlesWithin(queued, 80)).toBe(false);
    await call(sim, 'POST', '/wake_up');
    expect((await queued).status).toBe(200);
    expect(sim.stats()).toMatchObject({ sleeping: false, requestsWhileAsleep: 1 });
  });

  it('level and mode are query parameters: the last value counts, the body is ignored', async () => {
    const sim = createSimulator(SLEEPY);
    const res = await sim.fetch(new Request('http://127.0.0.1/sleep?level=deep&level=+1_0&mode=keep', { method: 'POST', body: '{"level":"x"}' }));
    await expectEmpty200(res);
    expect(sim.stats().sleeping).toBe(true);
  });

  it.each(['sleep-error-invalid-level.http', 'sleep-error-invalid-mode.http'])('%s: exact error body, and the engine stays awake', async (name) => {
    const fx = fixture(name);
    const sim = createSimulator(SLEEPY);
    await expectFixture(await sim.fetch(fixtureRequest(fx)), fx);
    expect(sim.stats()).toMatchObject({ sleeping: false, sleeps: 0 });
  });

  it('an invalid level wins over an invalid mode; the level text is shown as a Python repr', async () => {
    const sim = createSimulator(SLEEPY);
    const res = await call(sim, 'POST', '/sleep?level=&mode=drain');
    expect([res.status, await res.text()]).toEqual([400, `{"error":{"message":"invalid literal for int() with base 10: ''","type":"BadRequestError","param":null,"code":400}}`]);
    const quoted = await call(sim, 'POST', `/sleep?level=${encodeURIComponent("it's")}`);
    expect(((await quoted.json()) as { error: { message: string } }).error.message).toBe(`invalid literal for int() with base 10: "it's"`);
  });

  it('GET /sleep and GET /wake_up: 405 with allow: POST; POST /is_sleeping: 405', async () => {
    const sim = createSimulator(SLEEPY);
    for (const path of ['/sleep', '/wake_up']) {
      const res = await call(sim, 'GET', path);
      expect([res.status, res.headers.get('allow'), res.headers.get('content-type'), await res.text()]).toEqual([405, 'POST', 'application/json', '{"detail":"Method Not Allowed"}']);
    }
    expect((await call(sim, 'POST', '/is_sleeping')).status).toBe(405);
  });

  it('the routes are not under /v1: --api-key does not protect them', async () => {
    const sim = createSimulator({ ...SLEEPY, apiKey: 'sk-test-123' });
    await expectEmpty200(await call(sim, 'POST', '/sleep'));
    expect((await call(sim, 'GET', '/is_sleeping')).status).toBe(200);
    expect((await call(sim, 'GET', '/v1/models')).status).toBe(401);
  });

  it('sleep-collective-rpc-reload-weights.http: {"results":[null]}, counted in weightReloads', async () => {
    const fx = fixture('sleep-collective-rpc-reload-weights.http');
    const sim = createSimulator(SLEEPY);
    await expectFixture(await sim.fetch(fixtureRequest(fx)), fx);
    expect(sim.stats().weightReloads).toBe(1);
    const missing = await sim.fetch(new Request('http://127.0.0.1/collective_rpc', { method: 'POST', body: '{}' }));
    expect(missing.status).toBe(400);
  });
});

describe('vLLM sleep mode: while asleep', () => {
  it('sleep-health-while-sleeping.http: /health 200 with an empty body; /v1/models and /version answer normally', async () => {
    const sim = createSimulator(SLEEPY);
    await call(sim, 'POST', '/sleep');
    const fx = fixture('sleep-health-while-sleeping.http');
    const health = await sim.fetch(fixtureRequest(fx));
    expect([health.status, await health.text(), health.headers.get('content-type')]).toEqual([200, '', null]);
    const models = await call(sim, 'GET', '/v1/models');
    expect(models.status).toBe(200);
    expect(jsonShape(await models.json())).toEqual(jsonShape(JSON.parse(fixture('v1-models.http').body)));
    expect((await call(sim, 'GET', '/version')).status).toBe(200);
    expect(sim.stats().requestsWhileAsleep).toBe(0); // not generation requests
  });

  it('sleep-chat-queued-until-wake-up.txt: a non-stream chat sends nothing until /wake_up, then completes normally; created is the arrival time', async () => {
    const txt = raw('sleep-chat-queued-until-wake-up.txt');
    const body = /-d '(\{.*?\})'/.exec(txt)?.[1] ?? '';
    const expected = JSON.parse(txt.split('\n').find((l) => l.startsWith('{"id"')) ?? '{}') as Record<string, unknown>;
    let clock = 1795397400_000;
    const sim = createSimulator({ ...SLEEPY, now: () => clock });
    await call(sim, 'POST', '/sleep?level=1');
    const pending = sim.fetch(new Request('http://127.0.0.1/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
    expect(await settlesWithin(pending, 150)).toBe(false);
    expect(sim.stats()).toMatchObject({ active: 1, requestsWhileAsleep: 1 });
    clock += 20_000;
    await expectEmpty200(await call(sim, 'POST', '/wake_up'));
    const res = await pending;
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'application/json']);
    const got = (await res.json()) as { created: number; usage: unknown; choices: Array<{ finish_reason: string }> };
    expect(jsonShape(got)).toEqual(jsonShape(expected));
    expect(got.created).toBe(expected.created);
    expect(got.usage).toEqual(expected.usage);
    expect(got.choices[0]?.finish_reason).toBe('length');
    expect(sim.stats()).toMatchObject({ active: 0, completed: 1, aborted: 0, abortedBySleep: 0 });
  });

  it('sleep-chat-while-sleeping.txt: a stream gets 200 + SSE headers at once, then silence; it continues after /wake_up', async () => {
    const sim = createSimulator(SLEEPY);
    await call(sim, 'POST', '/sleep');
    const t0 = Date.now();
    const res = await sim.fetch(chat({ stream: true }));
    expect(Date.now() - t0).toBeLessThan(100);
    expect([res.status, res.headers.get('content-type'), res.headers.get('server')]).toEqual([200, 'text/event-stream; charset=utf-8', 'uvicorn']);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = reader.read();
    expect(await settlesWithin(first, 150)).toBe(false);
    await call(sim, 'POST', '/wake_up');
    const dec = new TextDecoder();
    let text = dec.decode((await first).value);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += dec.decode(value);
    }
    const events = sseData(text);
    const expected = shapes(sseData(fixture('chat-stream.http').body));
    expect(shapes(events)).toEqual(expected);
    expect((JSON.parse(events.at(-2) ?? '{}') as { choices: Array<{ finish_reason: string }> }).choices[0]?.finish_reason).toBe('length');
  });

  it('validation errors are still answered at once', async () => {
    const sim = createSimulator(SLEEPY);
    await call(sim, 'POST', '/sleep');
    const res = await sim.fetch(chat({ model: 'gpt-4o' }));
    expect(res.status).toBe(404);
    expect(sim.stats()).toMatchObject({ requestsWhileAsleep: 1, active: 0 });
  });

  it('a queued request whose client gives up is counted as aborted and leaves the queue', async () => {
    const sim = createSimulator(SLEEPY);
    await call(sim, 'POST', '/sleep');
    const ac = new AbortController();
    const pending = sim.fetch(chat({}, ac.signal));
    await pause(20);
    ac.abort();
    expect((await pending).status).toBe(499);
    expect(sim.stats()).toMatchObject({ active: 0, aborted: 1, abortedBySleep: 0 });
    // Nothing is running, so a mode=wait sleep returns at once.
    expect(await settlesWithin(call(sim, 'POST', '/sleep?mode=wait'), 100)).toBe(true);
  });

  it('embeddings on a pooling model wait for the wake-up too', async () => {
    const sim = createSimulator({ ...SLEEPY, model: 'BAAI/bge-small-en-v1.5', embeddings: true, ctxSize: 512 });
    await call(sim, 'POST', '/sleep');
    const fx = fixture('embeddings-single.http');
    const pending = sim.fetch(fixtureRequest(fx));
    expect(await settlesWithin(pending, 100)).toBe(false);
    await call(sim, 'POST', '/wake_up');
    const res = await pending;
    expect(res.status).toBe(200);
    expect(jsonShape(await res.json())).toEqual(jsonShape(JSON.parse(fx.body)));
  });

  it('a partial wake-up resumes scheduling (the upstream hazard): queued requests run while /is_sleeping is still true', async () => {
    const sim = createSimulator(SLEEPY);
    await call(sim, 'POST', '/sleep?level=2');
    const queued = sim.fetch(chat());
    expect(await settlesWithin(queued, 80)).toBe(false);
    await call(sim, 'POST', '/wake_up?tags=weights');
    expect((await queued).status).toBe(200);
    expect(sim.stats().sleeping).toBe(true);
    expect((await sim.fetch(chat())).status).toBe(200);
    expect(sim.stats()).toMatchObject({ requestsWhileAsleep: 2 });
  });
});

describe('vLLM sleep mode: requests in flight when /sleep arrives', () => {
  const SLOW: SimOptions = { ...SLEEPY, tokenDelayMs: 15 };

  it('sleep-inflight-chat-aborted.http: mode=abort (default) answers a non-stream chat 200 with the text so far and finish_reason "abort"', async () => {
    const fx = fixture('sleep-inflight-chat-aborted.http');
    const full = (await (await createSimulator(SLEEPY).fetch(fixtureRequest(fx))).json()) as { choices: Array<{ message: { content: string } }> };
    const sim = createSimulator(SLOW);
    const pending = sim.fetch(fixtureRequest(fx));
    await pause(70);
    await expectEmpty200(await call(sim, 'POST', '/sleep'));
    const res = await pending;
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'application/json']);
    const got = (await res.json()) as { choices: Array<{ message: { content: string }; finish_reason: string; stop_reason: null }>; usage: Record<string, number> };
    expect(jsonShape(got)).toEqual(jsonShape(JSON.parse(fx.body)));
    expect(got.choices[0]).toMatchObject({ finish_reason: 'abort', stop_reason: null });
    const { prompt_tokens: prompt = 0, completion_tokens: completion = 0, total_tokens: total } = got.usage;
    expect(completion).toBeGreaterThan(0);
    expect(completion).toBeLessThan(64);
    expect(total).toBe(prompt + completion);
    expect(full.choices[0]?.message.content.startsWith(got.choices[0]?.message.content ?? 'x')).toBe(true);
    expect(sim.stats()).toMatchObject({ abortedBySleep: 1, completed: 1, aborted: 0, active: 0, sleeping: true });
  });

  it('sleep-inflight-chat-stream-aborted.http: the stream ends with an empty-content finish_reason "abort" chunk (+ fingerprint), then [DONE]', async () => {
    const fx = fixture('sleep-inflight-chat-stream-aborted.http');
    const sim = createSimulator(SLOW);
    const res = await sim.fetch(fixtureRequest(fx));
    const body = readWrites(res);
    await pause(70);
    await call(sim, 'POST', '/sleep');
    const events = sseData((await body).join(''));
    const want = sseData(fx.body);
    expect(shapes(events.slice(0, 2))).toEqual(shapes(want.slice(0, 2)));
    expect(shapes(events.slice(-2))).toEqual(shapes(want.slice(-2)));
    expect(new Set(shapes(events.slice(1, -2)).map((s) => JSON.stringify(s)))).toEqual(new Set([JSON.stringify(shapes(want.slice(1, 2))[0])]));
    expect(events.length).toBeGreaterThan(3);
    expect(events.length).toBeLessThan(64 + 3);
    expect(stable(events.at(-2) ?? '')).toEqual(stable(want.at(-2) ?? ''));
    expect(sim.stats()).toMatchObject({ abortedBySleep: 1, completed: 1, aborted: 0, active: 0 });
  });

  it('with include_usage the abort chunk carries no fingerprint and the usage event follows; completions streams end the same way', async () => {
    const sim = createSimulator(SLOW);
    const a = readWrites(await sim.fetch(chat({ max_tokens: 64, stream: true, stream_options: { include_usage: true } })));
    const b = readWrites(await sim.fetch(new Request('http://127.0.0.1/v1/completions', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'Once upon a time', max_tokens: 64, stream: true }),
    })));
    await pause(70);
    await call(sim, 'POST', '/sleep');
    const chatEvents = sseData((await a).join('')).slice(-3).map((e) => (e === '[DONE]' ? e : JSON.parse(e))) as Array<Record<string, unknown>>;
    expect(chatEvents[0]).toMatchObject({ choices: [{ delta: { content: '' }, finish_reason: 'abort', stop_reason: null }] });
    expect(chatEvents[0]).not.toHaveProperty('system_fingerprint');
    expect(chatEvents[1]).toMatchObject({ choices: [], usage: { prompt_tokens: 31 }, system_fingerprint: 'vllm-0.21.0-3f9c1e7a' });
    expect(chatEvents[2]).toBe('[DONE]');
    const cmpl = sseData((await b).join(''));
    expect(JSON.parse(cmpl.at(-2) ?? '{}')).toMatchObject({ object: 'text_completion', choices: [{ text: '', finish_reason: 'abort', stop_reason: null }], system_fingerprint: 'vllm-0.21.0-3f9c1e7a' });
    expect(sim.stats().abortedBySleep).toBe(2);
  });

  it('sleep-queued-chat-stream-aborted-before-first-token.http: a second /sleep aborts the streams queued during the sleep (role chunk, then [DONE])', async () => {
    const fx = fixture('sleep-queued-chat-stream-aborted-before-first-token.http');
    const sim = createSimulator(SLEEPY);
    await call(sim, 'POST', '/sleep');
    const res = await sim.fetch(fixtureRequest(fx));
    const queuedNonStream = sim.fetch(chat());
    const body = readWrites(res);
    expect(await settlesWithin(body, 80)).toBe(false);
    await expectEmpty200(await call(sim, 'POST', '/sleep'));
    const events = sseData((await body).join(''));
    expect(shapes(events)).toEqual(shapes(sseData(fx.body)));
    expect(stable(events[0] ?? '')).toEqual(stable(sseData(fx.body)[0] ?? ''));
    const ns = (await (await queuedNonStream).json()) as { choices: Array<{ message: { content: string }; finish_reason: string }>; usage: { completion_tokens: number } };
    expect(ns.choices[0]).toMatchObject({ message: { content: '' }, finish_reason: 'abort' });
    expect(ns.usage.completion_tokens).toBe(0);
    expect(sim.stats()).toMatchObject({ abortedBySleep: 2, sleeps: 2, sleeping: true, active: 0 });
  });

  it('sleep-mode-wait.http: mode=wait lets running requests finish, /sleep returns after them; new requests queue until the wake-up', async () => {
    const sim = createSimulator({ ...SLEEPY, tokenDelayMs: 20 });
    const running = sim.fetch(chat({ max_tokens: 8 }));
    let finishedAt = 0;
    void running.then(() => (finishedAt = Date.now()));
    await pause(30);
    const sleeping = sim.fetch(fixtureRequest(fixture('sleep-mode-wait.http')));
    await pause(10);
    const queued = sim.fetch(chat({ max_tokens: 2 }));
    await expectEmpty200(await sleeping);
    const sleptAt = Date.now();
    const res = await running;
    expect(finishedAt).toBeGreaterThan(0);
    expect(finishedAt).toBeLessThanOrEqual(sleptAt);
    expect(((await res.json()) as { choices: Array<{ finish_reason: string }> }).choices[0]?.finish_reason).toBe('length');
    expect(await settlesWithin(queued, 80)).toBe(false);
    await call(sim, 'POST', '/wake_up');
    expect(((await (await queued).json()) as { choices: Array<{ finish_reason: string }> }).choices[0]?.finish_reason).toBe('length');
    expect(sim.stats()).toMatchObject({ abortedBySleep: 0, requestsWhileAsleep: 1, completed: 2 });
  });

  it('a stream whose last token is out has left the engine: /sleep neither waits for it nor aborts it', async () => {
    const sim = createSimulator(SLEEPY);
    const res = await sim.fetch(chat({ max_tokens: 2, stream: true }));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    let text = '';
    for (let i = 0; i < 3; i++) text += dec.decode((await reader.read()).value); // role, token, last token
    expect(text).toContain('"finish_reason":"length"');
    expect(await settlesWithin(call(sim, 'POST', '/sleep?mode=wait'), 150)).toBe(true);
    await call(sim, 'POST', '/sleep');
    const { value } = await reader.read();
    expect(dec.decode(value)).toBe('data: [DONE]\n\n');
    expect((await reader.read()).done).toBe(true);
    expect(sim.stats()).toMatchObject({ abortedBySleep: 0, completed: 1, active: 0 });
  });

  it('sleep-mode-keep.http: mode=keep freezes a running stream; it continues after the wake-up with the same text, not aborted', async () => {
    const full = sseData((await readWrites(await createSimulator(SLEEPY).fetch(chat({ max_tokens: 20, stream: true })))).join(''));
    const sim = createSimulator({ ...SLEEPY, tokenDelayMs: 10 });
    const res = await sim.fetch(chat({ max_tokens: 20, stream: true }));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    let text = dec.decode((await reader.read()).value) + dec.decode((await reader.read()).value);
    await expectEmpty200(await sim.fetch(fixtureRequest(fixture('sleep-mode-keep.http'))));
    const next = reader.read();
    // at most the write that was already under way
    const early = await settlesWithin(next, 100);
    if (early) {
      text += dec.decode((await next).value);
      expect(await settlesWithin(reader.read().then((r) => (text += dec.decode(r.value))), 100)).toBe(false);
    } else {
      void next.then((r) => (text += dec.decode(r.value)));
    }
    await call(sim, 'POST', '/wake_up');
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += dec.decode(value);
    }
    const events = sseData(text);
    const content = (evs: string[]): string => evs.filter((e) => e !== '[DONE]').map((e) => (JSON.parse(e) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '').join('');
    expect(content(events)).toBe(content(full));
    expect((JSON.parse(events.at(-2) ?? '{}') as { choices: Array<{ finish_reason: string }> }).choices[0]?.finish_reason).toBe('length');
    expect(sim.stats()).toMatchObject({ abortedBySleep: 0, completed: 1 });
  });
});

describe('vLLM sleep mode: stats and /_sim/stats', () => {
  it('reports sleeping, sleeps, wakeUps and requestsWhileAsleep', async () => {
    const sim = createSimulator(SLEEPY);
    expect(sim.stats()).toEqual({
      requests: 0, active: 0, completed: 0, aborted: 0, lastAbortAt: null,
      sleeps: 0, wakeUps: 0, requestsWhileAsleep: 0, abortedBySleep: 0, weightReloads: 0, sleeping: false,
    });
    await (await sim.fetch(chat())).text();
    await call(sim, 'POST', '/sleep');
    const queued = sim.fetch(chat());
    await pause(10);
    expect(await (await call(sim, 'GET', '/_sim/stats')).json()).toMatchObject({ sleeping: true, sleeps: 1, wakeUps: 0, requestsWhileAsleep: 1, requests: 2, active: 1 });
    await call(sim, 'POST', '/wake_up');
    await (await queued).text();
    await (await sim.fetch(chat())).text();
    expect(sim.stats()).toMatchObject({ sleeping: false, sleeps: 1, wakeUps: 1, requestsWhileAsleep: 1, requests: 3, completed: 3 });
  });
});

describe('vLLM sleep mode: timer hygiene', () => {
  it('leaves no timers behind: a cancelled stream, and a request queued while asleep whose client left', async () => {
    vi.useFakeTimers();
    try {
      const sim = createSimulator({ ...SLEEPY, tokenDelayMs: 50 });
      const res = await sim.fetch(chat({ max_tokens: 100, stream: true }));
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      await reader.read(); // role
      await reader.read(); // first token
      void reader.read(); // waits on a token timer
      await vi.advanceTimersByTimeAsync(1);
      expect(vi.getTimerCount()).toBeGreaterThan(0);
      await reader.cancel();
      expect(vi.getTimerCount()).toBe(0);
      const slept = call(sim, 'POST', '/sleep');
      await vi.advanceTimersByTimeAsync(20);
      await slept;
      const ac = new AbortController();
      const queued = sim.fetch(chat({}, ac.signal));
      await vi.advanceTimersByTimeAsync(5);
      ac.abort();
      expect((await queued).status).toBe(499);
      expect(vi.getTimerCount()).toBe(0);
      expect(sim.stats()).toMatchObject({ active: 0, aborted: 2, abortedBySleep: 0 });
    } finally {
      vi.useRealTimers();
    }
  });
});
