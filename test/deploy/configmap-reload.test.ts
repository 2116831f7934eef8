import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';

const config = (models: string[]) => `version: 1\nmodels:\n${models.map((m) => `  - { name: ${m}, backend: sim }\n`).join('')}`;

/**
 * A Kubernetes ConfigMap volume as the kubelet writes it: the files live in a timestamped
 * directory, `..data` links to it, and `models.yaml` links through `..data`. An update writes
 * a new directory, points `..data_tmp` at it and renames that over `..data` (one atomic swap),
 * then deletes the old directory. The file the gateway was given never changes its own inode.
 */
function configMapVolume(models: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'modeltainer-configmap-'));
  let n = 0;
  const writeVersion = (m: string[]) => {
    const version = `..2026_11_29_00_00_0${++n}.000000000`;
    mkdirSync(join(dir, version));
    writeFileSync(join(dir, version, 'models.yaml'), config(m));
    return version;
  };
  let current = writeVersion(models);
  symlinkSync(current, join(dir, '..data'));
  symlinkSync('..data/models.yaml', join(dir, 'models.yaml'));
  return {
    file: join(dir, 'models.yaml'),
    update(m: string[]) {
      const old = current;
      current = writeVersion(m);
      symlinkSync(current, join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      rmSync(join(dir, old), { recursive: true });
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const RUNTIMES = [
  { runtime: 'node', command: undefined },
  { runtime: 'deno', command: ['node_modules/.bin/deno', 'run', '--allow-net', '--allow-read', '--allow-env', '--allow-run', 'adapters/deno/main.ts'] },
];

describe('a ConfigMap update (symlink swap) is picked up as a reload', () => {
  let gw: GatewayProcess | null = null;
  let volume: ReturnType<typeof configMapVolume> | null = null;
  afterEach(() => {
    gw?.stop();
    volume?.remove();
  });

  for (const { runtime, command } of RUNTIMES) {
    it(`[${runtime}] the swapped-in models.yaml is served within a few seconds`, async () => {
      volume = configMapVolume(['first']);
      // the gateway is given the path through the symlinks, as a pod's --config is
      gw = await startGatewayProcess('', { command, runtime, configFile: volume.file });
      const names = async () => ((await (await fetch(`${gw!.url}/v1/models`)).json()) as { data: { id: string }[] }).data.map((m) => m.id);
      expect(await names()).toEqual(['first']);
      volume.update(['first', 'second']);
      await eventually(async () => (await names()).includes('second'), 5_000, 'the new model listed');
      await gw.waitForLog('config reloaded');
      volume.update(['third']);
      await eventually(async () => (await names()).join() === 'third', 5_000, 'the second swap applied');
    }, 60_000);
  }
});

describe('[node] the config watcher', () => {
  it('[node] ignores other files in the directory: an invalid config is reported once, not on every log line written beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modeltainer-watch-'));
    const file = join(dir, 'models.yaml');
    writeFileSync(file, config(['first']));
    const gw = await startGatewayProcess('', { configFile: file });
    try {
      writeFileSync(file, 'version: 1\nmodels: [{ name: broken, backend: nope }]\n');
      await gw.waitForLog('config reload failed');
      for (let i = 0; i < 10; i++) {
        writeFileSync(join(dir, 'gateway.log'), `line ${i}\n`, { flag: 'a' });
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 500));
      expect(gw.logs.filter((l) => l.msg === 'config reload failed; the previous config keeps serving')).toHaveLength(1);
      writeFileSync(file, config(['second']));
      await gw.waitForLog('config reloaded');
    } finally {
      gw.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
