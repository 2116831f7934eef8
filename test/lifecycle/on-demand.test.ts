import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventually, type GatewayProcess } from '../support/gateway-process.ts';
import { alive, chat, llamaModel, startLifecycleGateway, stateOf, untilState } from './support.ts';

// model servers start as real processes: on a loaded CI machine a test may take a while
vi.setConfig({ testTimeout: 90_000 });

let gw: GatewayProcess;

beforeAll(async () => {
  gw = await startLifecycleGateway(`version: 1
server: { keepalive_after: 300ms, keepalive_interval: 200ms }
lifecycle: { start_timeout: 30s }
models:
${llamaModel('cold', [], ['--load-ms', '800'])}
${llamaModel('never-ready', ['start_timeout: 2s'], ['--load-ms', '600000'])}
${llamaModel('idler', ['idle_timeout: 1s'])}
${llamaModel('streamer', ['idle_timeout: 700ms'], ['--token-delay-ms', '100'])}
${llamaModel('cold-stream', [], ['--load-ms', '1500'])}
`);
});
afterAll(() => gw?.stop());

describe('[node] model servers on demand', () => {
  it('[node] a cold start with 10 requests waiting: one process, every request answered once it is ready', async () => {
    expect((await stateOf(gw, 'cold')).state).toBe('off');
    const answers = await Promise.all(Array.from({ length: 10 }, () => chat(gw, 'cold')));
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(((await res.json()) as { choices: unknown[] }).choices).toHaveLength(1);
    }
    const cold = await stateOf(gw, 'cold');
    expect(cold).toMatchObject({ state: 'ready', starts: 1, failures: 0 });
    expect(alive(cold.pid!)).toBe(true);
    expect(gw.logs.filter((l) => l.msg === 'model ready' && l.model === 'cold')).toHaveLength(1);
  });

  it('[node] past start_timeout the waiting requests get 503 with Retry-After, and the process is gone', async () => {
    const waiting = [chat(gw, 'never-ready'), chat(gw, 'never-ready')];
    await untilState(gw, 'never-ready', 'starting', 10_000);
    const pid = (await stateOf(gw, 'never-ready')).pid!;
    expect(alive(pid)).toBe(true);
    for (const res of await Promise.all(waiting)) {
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('model_start_failed');
      expect(body.error.message).toContain('not ready within start_timeout (2000 ms)');
    }
    await eventually(() => !alive(pid), 5000, 'the process gone');
    expect(await stateOf(gw, 'never-ready')).toMatchObject({ state: 'off', failures: 1, pid: null });
  });

  it('[node] a model unused for idle_timeout is stopped, and its process is gone', async () => {
    expect((await chat(gw, 'idler')).status).toBe(200);
    const pid = (await stateOf(gw, 'idler')).pid!;
    expect(alive(pid)).toBe(true);
    await untilState(gw, 'idler', 'off', 10_000);
    await eventually(() => !alive(pid), 5000, 'the process gone');
    // and the next request starts it again
    expect((await chat(gw, 'idler')).status).toBe(200);
    expect((await stateOf(gw, 'idler')).starts).toBe(2);
  });

  it('[node] a long stream keeps its model alive past idle_timeout; idle counts from its end', async () => {
    const res = await chat(gw, 'streamer', { stream: true, max_tokens: 20 });
    expect(res.status).toBe(200);
    const started = performance.now();
    const text = await res.text();
    const took = performance.now() - started;
    expect(took).toBeGreaterThan(1500); // 20 tokens 100 ms apart, idle_timeout 700 ms
    expect(text).toMatch(/data: \[DONE\]\n\n$/);
    expect(gw.logs.some((l) => l.msg === 'model idle: stopping' && l.model === 'streamer')).toBe(false);
    await untilState(gw, 'streamer', 'off', 10_000);
  });

  it('[node] a stream waiting for a cold start gets SSE keep-alive comments until the first token', async () => {
    const res = await chat(gw, 'cold-stream', { stream: true });
    expect(res.status).toBe(200);
    const events = (await res.text()).split('\n\n').filter(Boolean);
    const firstData = events.findIndex((e) => e.startsWith('data: '));
    expect(firstData).toBeGreaterThanOrEqual(3);
    expect(events.slice(0, firstData).every((e) => e === ': keep-alive')).toBe(true);
    expect(events.at(-1)).toBe('data: [DONE]');
  });
});
