import { describe, expect, it, vi } from 'vitest';
import { eventually, startGatewayProcess } from '../support/gateway-process.ts';
import { alive, chat, llamaModel, stateOf, untilState } from './support.ts';

// model servers start as real processes: on a loaded CI machine a test may take a while
vi.setConfig({ testTimeout: 90_000 });

const RUNTIMES: { runtime: string; command: string[] }[] = [
  { runtime: 'node', command: ['node', '--import', 'tsx', 'adapters/node/cli.ts', 'serve'] },
  { runtime: 'bun', command: ['node_modules/.bin/bun', 'run', 'adapters/bun/main.ts'] },
  { runtime: 'deno', command: ['node_modules/.bin/deno', 'run', '--allow-net', '--allow-read', '--allow-env', '--allow-run', 'adapters/deno/main.ts'] },
];

describe('model servers on demand on every runtime that can start processes', () => {
  for (const { runtime, command } of RUNTIMES) {
    it(`[${runtime}] starts a model server for a request, stops it when idle, and leaves no child behind`, async () => {
      const gw = await startGatewayProcess(`version: 1\nmodels:\n${llamaModel('ondemand', ['idle_timeout: 1s'])}${llamaModel('second')}`, { command, runtime });
      try {
        expect((await chat(gw, 'ondemand')).status).toBe(200);
        const first = (await stateOf(gw, 'ondemand')).pid!;
        expect(alive(first)).toBe(true);
        await untilState(gw, 'ondemand', 'off', 10_000);
        await eventually(() => !alive(first), 5_000, 'the idle server gone');
        expect((await chat(gw, 'second')).status).toBe(200);
        const second = (await stateOf(gw, 'second')).pid!;
        gw.child.kill('SIGTERM');
        expect((await gw.exited).code).toBe(0);
        await eventually(() => !alive(second), 5_000, 'no server left after the gateway exited');
      } finally {
        gw.stop();
      }
    }, 60_000);
  }
});
