/** Fault injection, per flavour: queue, per-request `sim_fault`, and the /_sim control endpoints. */
import { describe, expect, it } from 'vitest';
import { createSimulator, type SimFault, type SimFlavor, type Simulator } from './index.ts';
import { readWrites, sseData } from './test-support.ts';

const chat = (extra: Record<string, unknown> = {}, signal?: AbortSignal): Request =>
  new Request('http://x/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 6, ...extra }),
    ...(signal ? { signal } : {}),
  });
const content = (events: string[]): string[] =>
  events.filter((e) => e !== '[DONE]').flatMap((e) => {
    const c = (JSON.parse(e) as { choices?: Array<{ delta?: { content?: string | null } }> }).choices?.[0]?.delta?.content;
    return typeof c === 'string' && c !== '' ? [c] : [];
  });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.each<SimFlavor>(['llamacpp', 'vllm'])('%s faults', (flavor) => {
  const make = (faults?: SimFault[]): Simulator => createSimulator({ flavor, ...(faults ? { faults } : {}) });

  it('status: answers the status with the flavour error body and Retry-After', async () => {
    const sim = make([{ type: 'status', status: 429, retry_after: 3 }]);
    const res = await sim.fetch(chat({ stream: true }));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error)).toEqual(flavor === 'llamacpp' ? ['code', 'message', 'type'] : ['message', 'type', 'param', 'code']);
    expect(body.error.code).toBe(429);
    // The queue is consumed: the next request succeeds.
    expect((await sim.fetch(chat())).status).toBe(200);
    expect(sim.stats()).toMatchObject({ requests: 2, completed: 2, active: 0 });
  });

  it('status 503 uses the flavour 503 body', async () => {
    const res = await make([{ type: 'status', status: 503 }]).fetch(chat());
    expect(res.status).toBe(503);
    expect(await res.text()).toBe(flavor === 'llamacpp'
      ? '{"error":{"message":"Loading model","type":"unavailable_error","code":503}}'
      : '{"error":"The model is currently scaling. Please try again later."}');
  });

  it('reset: the stream errors after N content tokens (the N writes still arrive)', async () => {
    const sim = make([{ type: 'reset', after_tokens: 3 }]);
    const res = await sim.fetch(chat({ stream: true }));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    let error: unknown = null;
    for (;;) {
      try {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      } catch (err) {
        error = err;
        break;
      }
    }
    expect((error as Error).message).toBe('sim reset');
    expect(content(sseData(text))).toHaveLength(3);
    expect(text).not.toContain('[DONE]');
    expect(sim.stats()).toMatchObject({ active: 0, completed: 1, aborted: 0 });
  });

  it('reset on a non-stream request: the body fails', async () => {
    const res = await make([{ type: 'reset' }]).fetch(chat());
    await expect(res.text()).rejects.toThrow();
  });

  it('midstream_error on a non-stream request: a 500 error body', async () => {
    const res = await make([{ type: 'midstream_error', after_tokens: 2 }]).fetch(chat());
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(500);
  });

  it('midstream_error after N tokens: error event (then [DONE] only on vLLM)', async () => {
    const res = await make([{ type: 'midstream_error', after_tokens: 2 }]).fetch(chat({ stream: true }));
    const events = sseData((await readWrites(res)).join(''));
    expect(content(events)).toHaveLength(2);
    const tail = flavor === 'llamacpp' ? events.at(-1) : events.at(-2);
    expect(tail).toMatch(/^\{"error": ?\{/);
    expect(events.at(-1) === '[DONE]').toBe(flavor === 'vllm');
  });

  it('stall with ms: a gap of ms after N tokens, then the stream completes', async () => {
    const res = await make([{ type: 'stall', after_tokens: 2, ms: 150 }]).fetch(chat({ stream: true }));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const times: number[] = [];
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
      times.push(Date.now());
    }
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(140);
  });

  it('stall without ms lasts until the client cancels', async () => {
    const sim = make([{ type: 'stall', after_tokens: 1 }]);
    const res = await sim.fetch(chat({ stream: true }));
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const pending = reader.read();
    await sleep(50);
    expect(sim.stats().active).toBe(1);
    await reader.cancel();
    await pending.catch(() => undefined);
    expect(sim.stats()).toMatchObject({ active: 0, aborted: 1 });
  });

  it('slow_headers delays the Response by ms', async () => {
    const t0 = Date.now();
    const res = await make([{ type: 'slow_headers', ms: 120 }]).fetch(chat({ stream: true }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
    expect(res.status).toBe(200);
    await readWrites(res);
  });

  it('faults are consumed FIFO, one per generation request (embeddings included)', async () => {
    const sim = createSimulator({ flavor, embeddings: true });
    sim.injectFault({ type: 'status', status: 500 });
    sim.injectFault({ type: 'status', status: 429 });
    const embed = (): Request => new Request('http://x/v1/embeddings', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'hello' }),
    });
    expect((await sim.fetch(new Request('http://x/health'))).status).toBe(200); // not a generation request
    expect((await sim.fetch(embed())).status).toBe(500);
    expect((await sim.fetch(embed())).status).toBe(429);
    expect((await sim.fetch(embed())).status).toBe(200);
  });

  it('sim_fault in the body applies to that request only, leaves the queue, and is never echoed', async () => {
    const sim = make([{ type: 'status', status: 429 }]);
    const res = await sim.fetch(chat({ sim_fault: { type: 'status', status: 500 } }));
    expect(res.status).toBe(500);
    expect((await sim.fetch(chat())).status).toBe(429);
    // vLLM validation errors echo the body: sim_fault must not appear.
    const bad = await sim.fetch(chat({ messages: undefined, sim_fault: { type: 'stall', ms: 1 } }));
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toContain('sim_fault');
    const invalid = await sim.fetch(chat({ sim_fault: { type: 'explode' } }));
    expect(invalid.status).toBe(400);
  });

  it('control endpoints: POST/DELETE /_sim/faults and GET /_sim/stats', async () => {
    const sim = createSimulator({ flavor, apiKey: 'secret', loadMs: 0 });
    const post = await sim.fetch(new Request('http://x/_sim/faults', {
      method: 'POST', body: JSON.stringify([{ type: 'status', status: 502 }, { type: 'status', status: 504 }]),
    }));
    expect(await post.json()).toEqual({ queued: 2 });
    const bad = await sim.fetch(new Request('http://x/_sim/faults', { method: 'POST', body: '{"type":"nope"}' }));
    expect(bad.status).toBe(400);
    const auth = { authorization: 'Bearer secret', 'content-type': 'application/json' };
    const first = await sim.fetch(new Request('http://x/v1/chat/completions', { method: 'POST', headers: auth, body: '{"messages":[]}' }));
    expect(first.status).toBe(502);
    expect(await (await sim.fetch(new Request('http://x/_sim/faults', { method: 'DELETE' }))).json()).toEqual({ queued: 0 });
    const second = await sim.fetch(new Request('http://x/v1/chat/completions', { method: 'POST', headers: auth, body: '{"messages":[]}' }));
    expect(second.status).toBe(200);
    const stats = await (await sim.fetch(new Request('http://x/_sim/stats'))).json();
    expect(stats).toEqual({
      requests: 2, active: 0, completed: 2, aborted: 0, lastAbortAt: null,
      sleeps: 0, wakeUps: 0, requestsWhileAsleep: 0, abortedBySleep: 0, weightReloads: 0, sleeping: false,
    });
  });

  it('rejects an invalid injected fault', () => {
    expect(() => make().injectFault({ type: 'status' })).toThrow(/status is required/);
  });
});
