import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventually, type GatewayProcess } from '../support/gateway-process.ts';
import { alive, chat, llamaModel, startLifecycleGateway, stateOf, untilState } from './support.ts';

// model servers start as real processes: on a loaded CI machine a test may take a while
vi.setConfig({ testTimeout: 90_000 });

describe('[node] swap-aware scheduling', () => {
  let gw: GatewayProcess;
  beforeAll(async () => {
    gw = await startLifecycleGateway(`version: 1
lifecycle:
  max_wait_before_swap: 1500ms
  groups: { gpu: { members: [wa, wb] } }
models:
${llamaModel('wa', [], ['--ttft-ms', '150'])}
${llamaModel('wb', [], ['--ttft-ms', '150'])}
`);
  });
  afterAll(() => gw?.stop());

  it('[node] two exclusive models with interleaved requests swap at most once per window, and every request is served', async () => {
    const started = performance.now();
    const answers: Promise<number>[] = [];
    // 40 requests over ~4 s, alternating: without the window every other request would swap
    for (let i = 0; i < 40; i++) {
      answers.push(chat(gw, i % 2 === 0 ? 'wa' : 'wb').then(async (r) => (await r.text(), r.status)));
      await new Promise((r) => setTimeout(r, 100));
    }
    // if a request never comes back, say where the models were
    const watchdog = setTimeout(() => console.error(JSON.stringify(gw.logs.filter((l) => String(l.msg).startsWith('model ') && l.msg !== 'model server output'))), 60_000);
    const statuses = await Promise.all(answers).finally(() => clearTimeout(watchdog));
    const seconds = (performance.now() - started) / 1000;
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const starts = gw.logs.filter((l) => l.msg === 'model ready').length;
    // one start to begin with, then at most one swap per 1.5 s window
    expect(starts).toBeGreaterThanOrEqual(2);
    expect(starts).toBeLessThanOrEqual(1 + Math.ceil(seconds / 1.5));
  });
});

describe('[node] reloads and model servers', () => {
  let gw: GatewayProcess;
  const config = (systemPrompt: string, tokenDelay: string) => `version: 1
models:
${llamaModel('kept', [`system_prompt: ${systemPrompt}`], ['--token-delay-ms', tokenDelay])}
`;
  beforeAll(async () => {
    gw = await startLifecycleGateway(config('one', '5'));
  });
  afterAll(() => gw?.stop());

  it('[node] a reload that leaves the launch spec alone keeps the pid; one that changes it drains and restarts', async () => {
    expect((await chat(gw, 'kept')).status).toBe(200);
    const pid = (await stateOf(gw, 'kept')).pid!;
    writeFileSync(gw.configFile, config('two', '5'));
    await gw.waitForLog((l) => l.msg === 'config reloaded');
    expect(await stateOf(gw, 'kept')).toMatchObject({ state: 'ready', pid, starts: 1 });
    expect((await chat(gw, 'kept')).status).toBe(200);
    writeFileSync(gw.configFile, config('two', '6'));
    await gw.waitForLog((l) => l.msg === 'launch spec changed: draining, then restarting');
    await eventually(async () => {
      const s = await stateOf(gw, 'kept');
      return s.state === 'ready' && s.pid !== pid;
    }, 20_000, 'restarted with the new spec');
    expect(alive(pid)).toBe(false);
    expect((await stateOf(gw, 'kept')).starts).toBe(2);
    expect((await chat(gw, 'kept')).status).toBe(200);
  });
});

describe('[node] no model server outlives the gateway', () => {
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`[node] ${signal} to the gateway: its model servers are gone too`, async () => {
      const gw = await startLifecycleGateway(`version: 1\nmodels:\n${llamaModel('child')}`);
      try {
        expect((await chat(gw, 'child')).status).toBe(200);
        const pid = (await stateOf(gw, 'child')).pid!;
        expect(alive(pid)).toBe(true);
        gw.child.kill(signal);
        const exit = await gw.exited;
        if (signal === 'SIGTERM') expect(exit.code).toBe(0);
        await eventually(() => !alive(pid), 5_000, 'the model server gone');
      } finally {
        gw.stop();
      }
    }, 40_000);
  }
});

describe('[node] the admin events stream', () => {
  let gw: GatewayProcess;
  beforeAll(async () => {
    gw = await startLifecycleGateway(`version: 1\nmodels:\n${llamaModel('watched', ['idle_timeout: 800ms'])}`);
  });
  afterAll(() => gw?.stop());

  it('[node] a start → ready → idle stop cycle arrives in order over SSE, after a snapshot', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${gw.url}/admin/events`, { signal: ctl.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const events: { event: string; data: { model?: string; state?: string; queued?: number; models?: { model: string; state?: string }[] } }[] = [];
    let carry = '';
    const read = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        carry += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = carry.indexOf('\n\n')) >= 0) {
          const block = carry.slice(0, end);
          carry = carry.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      }
    })().catch(() => undefined);
    await eventually(() => events.length > 0, 5_000, 'the snapshot');
    expect(events[0]).toMatchObject({ event: 'snapshot', data: { models: [{ model: 'watched', state: 'off' }] } });
    expect((await chat(gw, 'watched')).status).toBe(200);
    await untilState(gw, 'watched', 'off', 10_000);
    await eventually(() => events.filter((e) => e.data.state === 'off').length >= 1 && events.some((e) => e.data.state === 'stopping'), 5_000, 'the stop events');
    ctl.abort();
    await read;
    const model = events.filter((e) => e.event === 'model' && e.data.model === 'watched');
    // the request waiting (queue 1, still off), then the cycle
    expect(model[0]?.data).toMatchObject({ state: 'off', queued: 1 });
    const states = model.map((e) => e.data.state);
    const changes = states.filter((s, i) => i === 0 || s !== states[i - 1]);
    expect(changes).toEqual(['off', 'starting', 'ready', 'draining', 'stopping', 'off']);
  });
});
