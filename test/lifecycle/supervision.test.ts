import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventually, type GatewayProcess } from '../support/gateway-process.ts';
import { alive, chat, llamaModel, startLifecycleGateway, stateOf, untilState, vllmModel } from './support.ts';

// model servers start as real processes: on a loaded CI machine a test may take a while
vi.setConfig({ testTimeout: 90_000 });

const serverUrl = async (gw: GatewayProcess, model: string) => {
  const res = await fetch(`${gw.url}/admin/models`);
  return ((await res.json()) as { models: { model: string; url: string | null }[] }).models.find((m) => m.model === model)!.url!;
};

describe('[node] crash, restart, failed, reset', () => {
  let gw: GatewayProcess;
  beforeAll(async () => {
    gw = await startLifecycleGateway(`version: 1
lifecycle: { max_failures: 2, restart_backoff: 300ms }
models:
${llamaModel('crashy')}
`);
  });
  afterAll(() => gw?.stop());

  it('[node] a crash is restarted with back-off; repeated crashes make the model failed until reset', async () => {
    expect((await chat(gw, 'crashy')).status).toBe(200);
    const first = (await stateOf(gw, 'crashy')).pid!;
    await fetch(`${await serverUrl(gw, 'crashy')}/_sim/exit?code=3`, { method: 'POST' });
    await gw.waitForLog((l) => l.msg === 'model server crashed' && l.model === 'crashy');
    // restarted on its own (it was serving), a new process
    await eventually(async () => {
      const s = await stateOf(gw, 'crashy');
      return s.state === 'ready' && s.pid !== first;
    }, 20_000, 'restarted after the crash');
    expect(alive(first)).toBe(false);
    expect((await stateOf(gw, 'crashy')).failures).toBe(1);

    await fetch(`${await serverUrl(gw, 'crashy')}/_sim/exit?code=3`, { method: 'POST' });
    await untilState(gw, 'crashy', 'failed', 10_000);
    const refused = await chat(gw, 'crashy');
    expect(refused.status).toBe(503);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('model_failed');
    expect(body.error.message).toContain('exited with code 3');
    expect(body.error.message).toContain('POST /admin/models/crashy/reset');

    expect((await fetch(`${gw.url}/admin/models/crashy/reset`, { method: 'POST' })).status).toBe(202);
    expect((await stateOf(gw, 'crashy')).state).toBe('off');
    expect((await chat(gw, 'crashy')).status).toBe(200);
    expect(await stateOf(gw, 'crashy')).toMatchObject({ state: 'ready', failures: 0 });
  });
});

describe('[node] vLLM sleep mode', () => {
  let gw: GatewayProcess;
  beforeAll(async () => {
    gw = await startLifecycleGateway(`version: 1
models:
${vllmModel('sleepy', ['idle: sleep', 'idle_timeout: 800ms'], ['--enable-sleep-mode', '--sleep-ms', '200', '--wake-ms', '300'], { VLLM_SERVER_DEV_MODE: '1' })}
${vllmModel('deep', ['idle: sleep', 'sleep_level: 2', 'idle_timeout: 800ms'], ['--enable-sleep-mode'], { VLLM_SERVER_DEV_MODE: '1' })}
`);
  });
  afterAll(() => gw?.stop());

  const simStats = async (model: string) => (await (await fetch(`${await serverUrl(gw, model)}/_sim/stats`)).json()) as Record<string, unknown>;

  it('[node] an idle engine is put to sleep (same process); a request wakes it, and nothing reaches it while asleep', async () => {
    expect((await chat(gw, 'sleepy')).status).toBe(200);
    const pid = (await stateOf(gw, 'sleepy')).pid!;
    await untilState(gw, 'sleepy', 'sleeping', 10_000);
    expect(await simStats('sleepy')).toMatchObject({ sleeping: true, sleeps: 1 });
    expect(alive(pid)).toBe(true);
    const answers = await Promise.all([chat(gw, 'sleepy'), chat(gw, 'sleepy', { stream: true })]);
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(await res.text()).not.toContain('"error"');
    }
    expect(await stateOf(gw, 'sleepy')).toMatchObject({ state: 'ready', pid });
    expect(await simStats('sleepy')).toMatchObject({ sleeping: false, wakeUps: 1, requestsWhileAsleep: 0 });
  });

  it('[node] after a level 2 sleep the weights are reloaded before requests go through', async () => {
    expect((await chat(gw, 'deep')).status).toBe(200);
    await untilState(gw, 'deep', 'sleeping', 10_000);
    expect((await chat(gw, 'deep')).status).toBe(200);
    expect(await simStats('deep')).toMatchObject({ weightReloads: 1, requestsWhileAsleep: 0, sleeping: false });
  });
});
