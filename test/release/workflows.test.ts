// The GitHub Actions workflows, checked here where there is no GitHub: action-validator (the npm
// package @action-validator/cli, GitHub's workflow schema compiled to WebAssembly, so it runs
// offline) accepts both and rejects broken copies; the CI workflow runs every step .ci/run runs
// (one script, scripts/ci/steps.sh); actions are pinned; permissions are least; the release
// workflow builds both platforms with SBOM and provenance, scans, and takes notes from CHANGELOG.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';

const ROOT = new URL('../../', import.meta.url).pathname;
const VALIDATOR = join(ROOT, 'node_modules/.bin/action-validator');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const WORKFLOWS = ['.github/workflows/ci.yml', '.github/workflows/release.yml'];

interface Step { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; id?: string }
interface Job { 'runs-on'?: string; permissions?: Record<string, string>; steps: Step[]; needs?: string | string[]; container?: { image: string }; strategy?: { matrix: Record<string, unknown> } }
interface Workflow { on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job> }
const workflow = (path: string) => parse(read(path)) as Workflow;

const work = mkdtempSync(join(tmpdir(), 'modeltainer-workflows-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** action-validator on a file; it reads `*action.yml` as an action, anything else as a workflow. */
function validate(file: string): { status: number | null; output: string } {
  const run = spawnSync(VALIDATOR, [file], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
  if (run.error) throw run.error;
  return { status: run.status, output: run.stdout + run.stderr };
}

/** A copy of a workflow, changed by `edit` (or not), written where the validator can read it. */
function copyOf(path: string, edit: (w: Workflow) => void): string {
  const w = workflow(path);
  edit(w);
  const file = join(work, `broken-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, stringify(w));
  return file;
}

describe('[node] GitHub Actions workflows, validated by action-validator', () => {
  it.each(WORKFLOWS)('[node] %s is a valid workflow', (path) => {
    expect(validate(path)).toEqual({ status: 0, output: '' });
  });

  it.each(WORKFLOWS)('[node] %s is still valid after a round trip through the YAML library (so each broken copy fails for its one change)', (path) => {
    expect(validate(copyOf(path, () => undefined))).toEqual({ status: 0, output: '' });
  });

  it('[node] a job without runs-on is rejected', () => {
    const result = validate(copyOf('.github/workflows/ci.yml', (w) => delete w.jobs.test!['runs-on']));
    expect(result.status).toBe(1);
    expect(result.output).toContain('/jobs/test/runs-on');
  });

  it('[node] a job with an unknown key is rejected', () => {
    const result = validate(copyOf('.github/workflows/release.yml', (w) => Object.assign(w.jobs.image!, { 'run-on': 'ubuntu-latest' })));
    expect(result.status).toBe(1);
    expect(result.output).toContain("Additional property 'run-on' is not allowed");
  });

  it('[node] an unknown trigger is rejected', () => {
    const result = validate(copyOf('.github/workflows/release.yml', (w) => (w.on = { tag: { tags: ['v*'] } })));
    expect(result.status).toBe(1);
    expect(result.output).toContain("Additional property 'tag' is not allowed");
  });
});

describe('[node] the CI workflow and .ci/run share one script', () => {
  const steps = read('scripts/ci/steps.sh');
  const ciSteps = /^CI_STEPS=\(([^)]*)\)/m.exec(steps)![1]!.trim().split(/\s+/);
  const ci = workflow('.github/workflows/ci.yml');
  const calls = (job: Job) => job.steps.flatMap((s) => /^bash scripts\/ci\/steps\.sh (\w+)$/.exec(s.run?.trim() ?? '')?.slice(1) ?? []);

  it('[node] .ci/run runs every step of scripts/ci/steps.sh', () => {
    expect(ciSteps).toEqual(['system', 'install', 'lint', 'typecheck', 'test', 'prometheus']);
    expect(read('.ci/run')).toMatch(/^exec bash scripts\/ci\/steps\.sh ci$/m);
  });

  it('[node] ci.yml runs the same steps in the same order, on Node 20 and 22, in a Debian container', () => {
    const test = ci.jobs.test!;
    expect(calls(test)).toEqual(ciSteps);
    expect(test.strategy!.matrix.node).toEqual(['20', '22']);
    expect(test.container!.image).toBe('node:${{ matrix.node }}-bookworm');
    expect(test.steps.some((s) => s.uses?.startsWith('actions/cache@') && String(s.with?.path) === '~/.npm')).toBe(true);
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
  });

  it('[node] the audit and the SBOM run only on GitHub (the registry here answers no audits)', () => {
    expect(calls(ci.jobs['supply-chain']!)).toEqual(['install', 'audit', 'sbom']);
    expect(steps).toContain('npm audit --omit=dev');
  });
});

describe('[node] workflow hygiene', () => {
  it.each(WORKFLOWS)('[node] %s pins every action to a version or a commit', (path) => {
    const uses = Object.values(workflow(path).jobs).flatMap((j) => j.steps.flatMap((s) => (s.uses ? [s.uses] : [])));
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w.-]+@(v\d+(\.\d+){0,2}|\d+\.\d+\.\d+|[0-9a-f]{40})$/);
  });

  it.each(WORKFLOWS)('[node] %s reads the repository only, unless a job says why it needs more', (path) => {
    const w = workflow(path);
    expect(w.permissions).toEqual({ contents: 'read' });
    const writes = Object.entries(w.jobs).flatMap(([name, j]) => Object.entries(j.permissions ?? {}).filter(([, v]) => v === 'write').map(([k]) => `${name}:${k}`));
    expect(writes).toEqual(path.endsWith('release.yml') ? ['image:packages', 'release:contents'] : []);
  });
});

describe('[node] the release workflow', () => {
  const release = workflow('.github/workflows/release.yml');
  const steps = Object.values(release.jobs).flatMap((j) => j.steps);
  const action = (name: string) => steps.filter((s) => s.uses?.startsWith(`${name}@`));

  it('[node] runs on v* tags', () => {
    expect(release.on).toEqual({ push: { tags: ['v*'] } });
  });

  it('[node] pushes linux/amd64 and linux/arm64 to GHCR with the version and latest tags, an SBOM and provenance', () => {
    const push = action('docker/build-push-action').find((s) => s.with?.push === true)!;
    expect(push.with).toMatchObject({ platforms: 'linux/amd64,linux/arm64', sbom: true, provenance: 'mode=max' });
    const meta = action('docker/metadata-action')[0]!.with!;
    expect(meta.images).toBe('ghcr.io/${{ github.repository }}');
    expect(meta.tags).toContain('type=semver,pattern={{version}}');
    expect(meta.tags).toContain('type=raw,value=latest');
    expect(action('docker/setup-qemu-action')).toHaveLength(1);
    expect(action('docker/setup-buildx-action')).toHaveLength(1);
  });

  it('[node] scans the image with Trivy before pushing, failing on critical findings', () => {
    const image = release.jobs.image!.steps;
    const scan = image.findIndex((s) => s.uses?.startsWith('aquasecurity/trivy-action@'));
    expect(image[scan]!.with).toMatchObject({ 'image-ref': 'modeltainer:scan', severity: 'CRITICAL', 'exit-code': '1' });
    expect(scan).toBeLessThan(image.findIndex((s) => s.with?.push === true));
  });

  it('[node] takes the release notes from CHANGELOG.md and attaches the SBOM', () => {
    const notes = release.jobs.notes!.steps.map((s) => s.run ?? '').join('\n');
    expect(notes).toContain('npx tsx scripts/release/changelog.ts "$GITHUB_REF_NAME" > release-notes.md');
    expect(notes).toContain('bash scripts/ci/steps.sh sbom');
    const create = release.jobs.release!.steps.map((s) => s.run ?? '').join('\n');
    expect(create).toContain('gh release create "$GITHUB_REF_NAME"');
    expect(create).toContain('--notes-file release-notes.md');
    expect(release.jobs.release!.needs).toEqual(['notes', 'image']);
  });
});

describe('[node] Dependabot', () => {
  interface Update { 'package-ecosystem': string; directory: string; schedule: { interval: string }; groups?: Record<string, unknown> }
  const config = parse(read('.github/dependabot.yml')) as { version: number; updates: Update[] };

  it('[node] updates npm, GitHub Actions and the Docker base image weekly, grouped', () => {
    expect(config.version).toBe(2);
    expect(config.updates.map((u) => u['package-ecosystem'])).toEqual(['npm', 'github-actions', 'docker']);
    for (const u of config.updates) {
      expect(u.directory).toBe('/');
      expect(u.schedule.interval).toBe('weekly');
      expect(Object.keys(u.groups ?? {}).length).toBeGreaterThan(0);
    }
  });

  it('[node] the Dockerfile names its base image in FROM lines, which Dependabot can update (it does not follow ARGs)', () => {
    const froms = read('Dockerfile').split('\n').filter((l) => l.startsWith('FROM '));
    expect(froms).toEqual(['FROM node:20-slim AS build', 'FROM node:20-slim']);
  });
});
