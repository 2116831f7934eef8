import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { alive, llamaModel, stateOf } from './support.ts';

// model servers start as real processes: on a loaded CI machine a test may take a while
vi.setConfig({ testTimeout: 90_000 });

let gw: GatewayProcess;

beforeAll(async () => {
  gw = await startGatewayProcess(
    `version: 1
lifecycle: { start_timeout: 30s }
models:
${llamaModel('cold', [], ['--load-ms', '800'])}
`,
    { command: ['node', '--import', 'tsx', 'adapters/node/cli.ts', 'serve', '--workers', '2'] },
  );
});
afterAll(() => gw?.stop());

/** Every running model-server process (the llama-server stand-in) serving `model`. */
function modelServerPids(model: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue; // gone meanwhile
    }
    // the stand-in execs the simulator's CLI with llama-server's flags
    if (cmd.includes('cli.ts sim --flavor llamacpp') && cmd.includes(`/models/${model}.gguf`)) pids.push(Number(d));
  }
  return pids;
}

describe('[node --workers 2] launched models have one owner', () => {
  it('[node --workers 2] concurrent cold requests over both workers start one model-server process, and every one is answered', async () => {
    expect(modelServerPids('cold')).toEqual([]);
    // a connection each, so the cluster spreads them over both workers
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close' },
          body: JSON.stringify({ model: 'cold', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }),
        }),
      ),
    );
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(((await res.json()) as { choices: unknown[] }).choices).toHaveLength(1);
    }
    // some arrived at worker 2 and were handed to worker 1, which owns the model's server
    const relayed = answers.filter((r) => r.headers.get('x-modeltainer-relayed-by') === 'worker 2').length;
    expect(relayed).toBeGreaterThan(0);
    expect(relayed).toBeLessThan(12);
    const pids = modelServerPids('cold');
    expect(pids).toHaveLength(1);
    // /admin/models answers from the owner whichever worker takes the request
    for (let i = 0; i < 4; i++) expect(await stateOf(gw, 'cold')).toMatchObject({ state: 'ready', starts: 1, pid: pids[0] });
    expect(alive(pids[0]!)).toBe(true);
    // one access-log line per request (worker 1 logs those worker 2 handed over), one start
    const logged = gw.logs.filter((l) => l.msg === 'request' && l.model === 'cold' && l.path === '/v1/chat/completions');
    expect(logged).toHaveLength(12);
    expect(gw.logs.filter((l) => l.msg === 'model ready' && l.model === 'cold')).toHaveLength(1);
  });

  it('[node --workers 2] the scrape shows both workers, labelled', async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).toMatch(/^modeltainer_requests_total\{worker="1",model="cold"/m);
    expect(text).toMatch(/\{worker="2"/);
    expect(text.match(/^# TYPE modeltainer_requests_total /gm)).toHaveLength(1);
  });

  it('[node --workers 2] SIGTERM stops both workers and the model server; exit 0', async () => {
    const pids = modelServerPids('cold');
    gw.child.kill('SIGTERM');
    const exit = await gw.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(gw.logs.filter((l) => l.msg === 'stopped')).toHaveLength(1);
  });
});

describe('[node --workers 2] what cannot be shared fails at start', () => {
  it('[node --workers 2] rate limits counted in memory are rejected, naming the field and the fix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modeltainer-workers-'));
    const file = join(dir, 'models.yaml');
    writeFileSync(file, 'version: 1\nauth:\n  keys:\n    - { name: a, key_sha256: "' + 'a'.repeat(64) + '", rpm: 10 }\nmodels:\n  - { name: m, backend: sim }\n');
    try {
      const out = spawnSync('node', ['--import', 'tsx', 'adapters/node/cli.ts', 'serve', '--workers', '2', '--config', file, '--port', '0'], { encoding: 'utf8', timeout: 30_000 });
      expect(out.status).toBe(1);
      expect(out.stderr).toContain('rate_limits');
      expect(out.stderr).toMatch(/With 2 workers, each one counts its own requests in memory: use rate_limits.store: redis/);
      // one worker counts for all: accepted
      const one = spawnSync('node', ['--import', 'tsx', 'adapters/node/cli.ts', 'check-config', file], { encoding: 'utf8', timeout: 30_000 });
      expect(one.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
