import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventually, metricValue, type GatewayProcess } from '../support/gateway-process.ts';
import { alive, chat, llamaModel, startLifecycleGateway, stateOf, untilState } from './support.ts';

// model servers start as real processes: on a loaded CI machine a test may take a while
vi.setConfig({ testTimeout: 90_000 });

describe('[node] fitting model servers in memory, groups and max_loaded_models', () => {
  let gw: GatewayProcess;
  beforeAll(async () => {
    gw = await startLifecycleGateway(`version: 1
lifecycle:
  memory_budget: 10GiB
  groups: { pair: { members: [ga, gb], exclusive: true } }
models:
${llamaModel('ga', ['memory: 1GiB'])}
${llamaModel('gb', ['memory: 1GiB'])}
${llamaModel('m6a', ['memory: 6GiB'])}
${llamaModel('m6b', ['memory: 6GiB'])}
${llamaModel('huge', ['memory: 30GiB'])}
`);
  });
  afterAll(() => gw?.stop());

  it('[node] an exclusive group: starting one member stops the other first', async () => {
    expect((await chat(gw, 'ga')).status).toBe(200);
    const ga = (await stateOf(gw, 'ga')).pid!;
    expect((await chat(gw, 'gb')).status).toBe(200);
    expect((await stateOf(gw, 'ga')).state).toBe('off');
    expect(alive(ga)).toBe(false);
    expect((await stateOf(gw, 'gb')).state).toBe('ready');
  });

  it('[node] memory: the least recently used idle model is evicted to make room', async () => {
    expect((await chat(gw, 'm6a')).status).toBe(200);
    const m6a = (await stateOf(gw, 'm6a')).pid!;
    expect((await chat(gw, 'm6b')).status).toBe(200);
    expect(alive(m6a)).toBe(false);
    expect((await stateOf(gw, 'm6a')).state).toBe('off');
    expect((await stateOf(gw, 'm6b')).state).toBe('ready');
    // gb (1 GiB) still fits beside m6b (6 GiB) in 10 GiB: it was not touched
    expect((await stateOf(gw, 'gb')).state).toBe('ready');
    expect(gw.logs.some((l) => l.msg === 'model evicted' && l.model === 'm6a' && l.for === 'm6b')).toBe(true);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metricValue(metrics, 'modeltainer_model_evictions_total', { model: 'm6a', for: 'm6b' })).toBe(1);
  });

  it('[node] a model that can never fit answers 503 saying how much it needs and how much there is', async () => {
    const res = await chat(gw, 'huge');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('model_cannot_fit');
    expect(body.error.message).toBe('Model huge cannot be loaded: it needs 30.0 GiB and lifecycle.memory_budget is 10.0 GiB.');
    expect((await stateOf(gw, 'huge')).starts).toBe(0);
  });
});

describe('[node] max_loaded_models', () => {
  let gw: GatewayProcess;
  beforeAll(async () => {
    gw = await startLifecycleGateway(`version: 1
lifecycle: { max_loaded_models: 2 }
models:
${llamaModel('a')}
${llamaModel('b')}
${llamaModel('c')}
`);
  });
  afterAll(() => gw?.stop());

  it('[node] a third model evicts the least recently used of the two running', async () => {
    expect((await chat(gw, 'a')).status).toBe(200);
    expect((await chat(gw, 'b')).status).toBe(200);
    expect((await chat(gw, 'a')).status).toBe(200); // a is now the more recently used
    expect((await chat(gw, 'c')).status).toBe(200);
    expect((await stateOf(gw, 'b')).state).toBe('off');
    expect((await stateOf(gw, 'a')).state).toBe('ready');
    expect((await stateOf(gw, 'c')).state).toBe('ready');
  });
});

describe('[node] never cut a running request', () => {
  let gw: GatewayProcess;
  beforeAll(async () => {
    gw = await startLifecycleGateway(`version: 1
lifecycle:
  max_wait_before_swap: 500ms
  groups: { gpu: { members: [long, next] } }
models:
${llamaModel('long', [], ['--token-delay-ms', '100'])}
${llamaModel('next')}
`);
  });
  afterAll(() => gw?.stop());

  it('[node] an eviction while a long stream runs lets the stream finish before the process stops', async () => {
    expect((await chat(gw, 'long')).status).toBe(200);
    const pid = (await stateOf(gw, 'long')).pid!;
    const stream = await chat(gw, 'long', { stream: true, max_tokens: 30 });
    expect(stream.status).toBe(200);
    const body = stream.text().then((text) => ({ text, endedAt: performance.now() }));
    // next waits for the group: long drains (its stream goes on), then stops, then next starts
    const other = chat(gw, 'next');
    await untilState(gw, 'long', 'draining', 5_000);
    expect(alive(pid)).toBe(true);
    const { text, endedAt } = await body;
    const events = text.trim().split('\n\n');
    expect(events.filter((e) => e.includes('"content":"'))).toHaveLength(30);
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(text).not.toContain('"error"');
    expect((await other).status).toBe(200);
    const stopped = await gw.waitForLog((l) => l.msg === 'model stopped' && l.model === 'long');
    expect(new Date(String(stopped.time)).getTime()).toBeGreaterThan(Date.now() - (performance.now() - endedAt) - 50);
    await eventually(() => !alive(pid), 5_000, 'the old process gone');
  });
});
