// The Dockerfile, without a Docker engine: dockerfile-utils' validator (the Docker language server's
// linter) with every optional check raised to an error, and what the final stage holds.
// Running the final stage's files, CMD and HEALTHCHECK is test/deploy/build.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate, ValidationSeverity, type ValidatorSettings } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { ROOT } from './compose-file.ts';
import { DOCKERFILE_TEXT, readStages } from './dockerfile-stages.ts';

const STRICT: ValidatorSettings = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};
const lint = (text: string) => validate(text, STRICT).map((d) => `${d.range.start.line + 1}: ${d.message}`);

describe('[node] Dockerfile', () => {
  it('[node] passes dockerfile-utils’ validator with every check an error', () => {
    expect(lint(DOCKERFILE_TEXT)).toEqual([]);
  });

  it('[node] the validator flags a broken copy', () => {
    const broken = DOCKERFILE_TEXT.replace('--interval=15s', '--interval=15').replace('WORKDIR /app', 'WORKDIR app').replace('COPY --from=build', 'COPY --form=build');
    const problems = lint(broken);
    expect(problems.some((p) => p.includes('missing unit in duration 15'))).toBe(true);
    expect(problems.some((p) => p.includes('WORKDIR paths should be absolute'))).toBe(true);
    expect(problems.some((p) => /Unknown flag: form/i.test(p))).toBe(true);
  });

  it('[node] builds with npm ci and npm run build, then ships only dist/ and config/ on node:20-slim', () => {
    const [build, final, ...more] = readStages();
    expect(more).toEqual([]);
    expect(build!.runs.some((r) => /^npm ci\b/.test(r))).toBe(true);
    expect(build!.runs.at(-1)).toBe('npm run build');
    expect(final!.image).toBe('node:20-slim');
    expect(final!.copies).toEqual([
      { from: build!.name, sources: [`${build!.workdir}/dist`], dest: './dist' },
      { from: null, sources: ['config'], dest: './config' },
    ]);
    expect(final!.workdir).toBe('/app');
    // no npm, no node_modules, no TypeScript loader in the image
    expect(final!.runs.join('\n')).not.toMatch(/\bnpm\b|node_modules|tsx/);
    expect(final!.cmd).toEqual(['node', 'dist/modeltainer.mjs', 'serve']);
    expect(final!.env).toMatchObject({ HOST: '0.0.0.0', PORT: '8081' });
    // the CLI's default config, one level up from dist/, is where the Compose stack mounts config/
    expect(join(final!.workdir!, 'config/models.yaml')).toBe('/app/config/models.yaml');
  });

  it('[node] runs as uid 10001, which the image creates, with a /healthz check in node', () => {
    const final = readStages().at(-1)!;
    expect(final.user).toBe('10001:10001');
    expect(final.runs.join(' ')).toMatch(/useradd --uid 10001 --gid 10001 /);
    expect(final.runs.join(' ')).toMatch(/groupadd --gid 10001 /);
    expect(final.healthcheck?.cmd.slice(0, 2)).toEqual(['node', '-e']);
    expect(final.healthcheck?.cmd[2]).toContain('/healthz');
    expect(Object.keys(final.healthcheck!.flags).sort()).toEqual(['interval', 'retries', 'start-period', 'timeout']);
  });

  it('[node] .dockerignore admits what the build stage copies, and no secrets', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*'); // an allow-list: a new file at the root stays out until named
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const copied = readStages().flatMap((s) => s.copies.filter((c) => c.from === null).flatMap((c) => c.sources));
    expect(copied.filter((src) => !allowed.includes(src)), 'copied but ignored').toEqual([]);
    expect(allowed.filter((a) => !copied.includes(a)), 'admitted but never copied').toEqual([]);
  });
});
