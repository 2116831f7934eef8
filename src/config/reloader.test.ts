import { describe, expect, it } from 'vitest';
import { createConfigStore } from './config-store.ts';
import { parseConfig } from './parse-config.ts';
import { createConfigReloader } from './reloader.ts';
import type { LogRecord } from '../deps.ts';
import { allCapabilities } from './check-capabilities.ts';

const V1 = 'version: 1\nmodels:\n  - { name: a, backend: sim }\n';

function setup(initial = V1) {
  let text = initial;
  const logs: LogRecord[] = [];
  const results: string[] = [];
  const store = createConfigStore(parseConfig(initial, { file: 'models.yaml' }));
  const reloader = createConfigReloader({
    source: { file: 'models.yaml', read: async () => text, env: {}, capabilities: allCapabilities },
    store,
    logger: { log: (_l, r) => logs.push(r) },
    clock: { now: () => 0, wall: () => Date.UTC(2026, 10, 29) },
    initialText: initial,
    onResult: (r) => results.push(r),
  });
  return { store, reloader, logs, results, write: (t: string) => (text = t) };
}

describe('createConfigReloader', () => {
  it('applies a valid edit as a diff, and an identical file as unchanged', async () => {
    const { store, reloader, write, results } = setup();
    const before = (await reloader.status()).hash;
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    expect((await reloader.reload('test')).result).toBe('unchanged');
    write(`${V1}  - { name: b, backend: sim }\n`);
    const r = await reloader.reload('test');
    expect(r.result).toBe('ok');
    expect(r.diff?.added).toEqual(['b']);
    expect(store.current().byName.has('b')).toBe(true);
    expect((await reloader.status()).hash).not.toBe(before);
    expect(results).toEqual(['unchanged', 'ok']);
  });

  it('an invalid edit changes nothing; the error names file, line and field and is kept for /admin/config', async () => {
    const { store, reloader, write, logs } = setup();
    const serving = store.current();
    write('version: 1\nmodels:\n  - { name: a, backend: vlm }\n');
    const r = await reloader.reload('SIGHUP');
    expect(r.result).toBe('error');
    expect(store.current()).toBe(serving);
    expect(r.error).toMatch(/^models\.yaml:3:\d+: models\[0\]\.backend: /);
    const status = await reloader.status();
    expect(status.last_error).toMatchObject({ trigger: 'SIGHUP', issues: [{ file: 'models.yaml', line: 3, path: 'models[0].backend' }] });
    expect(logs.some((l) => l.msg === 'config reload failed; the previous config keeps serving')).toBe(true);
    write(V1);
    expect((await reloader.reload('test')).result).toBe('unchanged');
    expect((await reloader.status()).last_error).toBeNull();
  });

  it('names settings that need a restart instead of ignoring them', async () => {
    const { reloader, write, logs } = setup();
    write(`${V1}rate_limits: { store: redis, redis_url: "redis://r:6379" }\n`);
    const r = await reloader.reload('test');
    expect(r.result).toBe('ok');
    expect(r.pendingRestart.join('\n')).toMatch(/rate_limits\.store: running with 'memory'; 'redis' takes effect after a restart/);
    expect((await reloader.status()).pending_restart).toHaveLength(2);
    expect(logs.filter((l) => l.msg === 'config setting needs a restart')).toHaveLength(2);
  });
});
