// shellcheck (Debian's package; .ci/run installs it) over every *.sh in the repo and .ci/run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './compose-file.ts';

const SKIP = new Set(['node_modules', '.git', '.wrangler']);

function shellScripts(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIP.has(e.name)) return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return shellScripts(path);
    return e.isFile() && e.name.endsWith('.sh') ? [path] : [];
  });
}

const shellcheck = (files: string[]) => spawnSync('shellcheck', ['--format=gcc', ...files], { cwd: ROOT, encoding: 'utf8' });

describe('[node] shell scripts', () => {
  it('[node] shellcheck finds nothing in any *.sh or .ci/run', () => {
    const files = [...shellScripts(ROOT), join(ROOT, '.ci/run')].map((f) => relative(ROOT, f));
    expect(files).toEqual(expect.arrayContaining(['scripts/check-prometheus.sh', 'test/deploy/container-like.sh', '.ci/run']));
    const run = shellcheck(files);
    expect(run.error).toBeUndefined(); // ENOENT: shellcheck is not installed (.ci/run installs it)
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('[node] shellcheck fails a script with an unquoted variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modeltainer-sc-'));
    try {
      writeFileSync(join(dir, 'bad.sh'), '#!/usr/bin/env bash\nset -euo pipefail\nrm -rf $1/cache\n');
      const run = shellcheck([join(dir, 'bad.sh')]);
      expect(run.status).toBe(1);
      expect(run.stdout).toContain('SC2086');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
