import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse-config.ts';
import { durationMs } from '../../src/config/duration.ts';

// deploy/systemd: every unit is parsed here and its required settings checked; where
// systemd-analyze is installed (Debian's systemd package; it is on this project's machines),
// `systemd-analyze verify` must also print nothing at all (it exits 0 on unknown keys and bad values,
// so its output is what is checked), and `systemd-analyze security --offline` scores the sandbox.
// The binaries a unit runs do not exist here (llama-server) or may live elsewhere (node), so the
// copies handed to systemd-analyze point ExecStart at an executable stand-in; nothing else changes.

const DIR = fileURLToPath(new URL('../../deploy/systemd/', import.meta.url));
const ANALYZE = spawnSync('systemd-analyze', ['--version']).error ? null : 'systemd-analyze';

type Unit = Map<string, Map<string, string[]>>;

/** systemd's INI dialect: [Section], Key=Value (repeatable), `#`/`;` comments, `\` continuations. */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  for (const line of text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) unit.set(header[1]!, (section = new Map()));
    else {
      const eq = line.indexOf('=');
      if (!section || eq < 0) throw new Error(`not a unit line: ${line}`);
      const key = line.slice(0, eq).trim();
      section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1).trim()]);
    }
  }
  return unit;
}

const read = (name: string) => readFileSync(join(DIR, name), 'utf8');
const value = (u: Unit, section: string, key: string) => u.get(section)?.get(key)?.at(-1);

/** A copy of the unit whose binaries are executables that exist, in a fresh directory. */
function standIn(name: string, text: string, binaries: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'mt-systemd-'));
  for (const [i, bin] of binaries.entries()) {
    const fake = join(dir, `bin-${i}`);
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    text = text.replaceAll(bin, fake);
  }
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

function analyze(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(ANALYZE!, args, { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

describe('[node] deploy/systemd units', () => {
  it('modeltainer.service: dedicated user, sandbox, reload, and a stop timeout above the drain', () => {
    const u = parseUnit(read('modeltainer.service'));
    expect(value(u, 'Service', 'ExecStart')).toBe('/usr/bin/node /opt/modeltainer/dist/modeltainer.mjs serve --config /etc/modeltainer/models.yaml');
    expect(value(u, 'Service', 'ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    for (const [key, want] of Object.entries({
      User: 'modeltainer', ProtectSystem: 'strict', NoNewPrivileges: 'true', PrivateTmp: 'true',
      KillSignal: 'SIGTERM', Restart: 'on-failure', Type: 'simple',
    })) expect(value(u, 'Service', key), key).toBe(want);
    expect(value(u, 'Service', 'ReadOnlyPaths')!.split(/\s+/)).toEqual(expect.arrayContaining(['/opt/modeltainer', '/etc/modeltainer']));
    // V8 compiles to executable memory: MemoryDenyWriteExecute would kill node at start
    expect(u.get('Service')!.has('MemoryDenyWriteExecute')).toBe(false);
    // systemd sends SIGKILL after TimeoutStopSec: it must outlast the gateway's default drain
    const drain = parseConfig('version: 1\nmodels: [{ name: m, backend: sim }]\n').server.drain_timeout;
    expect(durationMs.parse(value(u, 'Service', 'TimeoutStopSec'))).toBeGreaterThan(drain);
    expect(value(u, 'Install', 'WantedBy')).toBe('multi-user.target');
  });

  it('llama-server@.service: the instance names the model, whose flags come from its EnvironmentFile', () => {
    const u = parseUnit(read('llama-server@.service'));
    expect(value(u, 'Service', 'EnvironmentFile')).toBe('/etc/llama-server/%i.env');
    const exec = value(u, 'Service', 'ExecStart')!;
    expect(exec).toMatch(/^\/\S+\/llama-server /);
    expect(exec).toContain('--model ${LLAMA_MODEL}');
    expect(exec).toContain('--port ${LLAMA_PORT}');
    expect(exec).toContain('--host 127.0.0.1'); // only the gateway on this host reaches it
    expect(exec).toMatch(/ \$LLAMA_ARGS$/); // unbraced: split into words
    // the example env file in the header sets exactly what ExecStart reads
    const example = read('llama-server@.service').match(/^#\s+(LLAMA_[A-Z]+)=/gm)!.map((l) => l.replace(/^#\s+|=$/g, ''));
    expect(example.sort()).toEqual(['LLAMA_ARGS', 'LLAMA_MODEL', 'LLAMA_PORT']);
    for (const [key, want] of Object.entries({ User: 'llama-server', ProtectSystem: 'strict', NoNewPrivileges: 'true', Restart: 'on-failure' })) {
      expect(value(u, 'Service', key), key).toBe(want);
    }
  });

  if (ANALYZE) {
    it('systemd-analyze verify prints nothing for either unit, and does complain about a broken one', () => {
      const gateway = standIn('modeltainer.service', read('modeltainer.service'), ['/usr/bin/node']);
      const llama = standIn('llama-server@.service', read('llama-server@.service'), ['/usr/local/bin/llama-server']);
      for (const file of [gateway, llama]) expect(analyze(['verify', file])).toEqual({ status: 0, out: '' });
      const broken = standIn('modeltainer.service', read('modeltainer.service').replace('ProtectSystem=strict', 'ProtectSystem=strictly'), ['/usr/bin/node']);
      expect(analyze(['verify', broken]).out).toMatch(/modeltainer\.service:\d+: Failed to parse protect system value, ignoring: strictly/);
    });

    it('systemd-analyze security --offline: the gateway sandbox scores 2.0 or lower, llama-server 4.5 or lower', () => {
      const score = (file: string) => Number(/Overall exposure level for \S+: ([\d.]+)/.exec(analyze(['security', '--offline=true', file]).out)?.[1]);
      expect(score(join(DIR, 'modeltainer.service'))).toBeLessThanOrEqual(2.0);
      expect(score(standIn('llama-server@x.service', read('llama-server@.service'), []))).toBeLessThanOrEqual(4.5);
    });
  } else {
    it('systemd-analyze is not installed here: the parsed checks above are all that is verified', () => {
      expect(spawnSync('systemd-analyze', ['--version']).error).toMatchObject({ code: 'ENOENT' });
    });
  }
});
