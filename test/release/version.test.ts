// One version, package.json's: src/version.ts is generated from it (npm's `version` hook runs
// scripts/release/sync-version.ts), and `modeltainer --version`, /healthz and /openapi.json on a
// real started gateway all report it. (The bundle's --version and /healthz: test/deploy/build.test.ts.)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPackageVersion } from '../../scripts/release/changelog.ts';
import { VERSION_MODULE_PATH, versionModule } from '../../scripts/release/sync-version.ts';
import { VERSION } from '../../src/version.ts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const version = readPackageVersion();
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('[node] the version', () => {
  it('[node] package.json’s version is semver, and src/version.ts is exactly what the version hook writes for it', () => {
    expect(version).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    expect(readFileSync(VERSION_MODULE_PATH, 'utf8')).toBe(versionModule(version));
    expect(VERSION).toBe(version);
  });

  it('[node] `npm version` rewrites src/version.ts, the OpenAPI document and the client’s types, and stages them for its commit', () => {
    expect(scripts.version).toBe('tsx scripts/release/sync-version.ts && npm run openapi && git add src/version.ts docs/openapi.json clients/typescript/openapi.d.ts');
  });

  it('[node] the hook writes the new version, but only once CHANGELOG.md has its notes', () => {
    // a copy of the scripts with a package.json already bumped, as npm leaves it before the hook
    const dir = mkdtempSync(join(tmpdir(), 'modeltainer-version-'));
    try {
      cpSync(join(ROOT, 'scripts/release'), join(dir, 'scripts/release'), { recursive: true });
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'src/version.ts'), versionModule(version));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'modeltainer', version: '9.8.7' }));
      const hook = () => spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [join(dir, 'scripts/release/sync-version.ts')], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      writeFileSync(join(dir, 'CHANGELOG.md'), '# Changelog\n\n## [Unreleased]\n### Added\n- a thing\n');
      const refused = hook();
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('CHANGELOG.md has no "## [9.8.7]" section: move the Unreleased entries under "## [9.8.7] - ');
      expect(readFileSync(join(dir, 'src/version.ts'), 'utf8')).toBe(versionModule(version));
      writeFileSync(join(dir, 'CHANGELOG.md'), '# Changelog\n\n## [Unreleased]\n\n## [9.8.7] - 2027-01-01\n### Added\n- a thing\n');
      expect(hook().status).toBe(0);
      expect(readFileSync(join(dir, 'src/version.ts'), 'utf8')).toBe(versionModule('9.8.7'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('[node] modeltainer --version, /healthz and /openapi.json on a started gateway', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGatewayProcess('version: 1\nmodels:\n  - { name: demo, backend: sim }\n', { command: ['node', 'bin/modeltainer.mjs', 'serve'] });
  }, 60_000);
  afterAll(() => gateway?.stop());

  it('[node] modeltainer --version prints package.json’s version', () => {
    const run = spawnSync('node', ['bin/modeltainer.mjs', '--version'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect([run.status, run.stdout, run.stderr]).toEqual([0, `${version}\n`, '']);
  });

  it('[node] /healthz reports it', async () => {
    const res = await fetch(`${gateway.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', version });
  });

  it('[node] /openapi.json reports it as info.version', async () => {
    const doc = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as { info: { version: string } };
    expect(doc.info.version).toBe(version);
  });
});
