// CHANGELOG.md keeps the Keep a Changelog shape, has notes for package.json's version, and the
// script the release workflow runs (scripts/release/changelog.ts) prints exactly a tag's section
// or fails, so no release goes out without notes.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHANGELOG_PATH, changelogSection, readPackageVersion, releaseNotes } from '../../scripts/release/changelog.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const changelog = readFileSync(CHANGELOG_PATH, 'utf8');
const version = readPackageVersion();

const SAMPLE = `# Changelog

## [Unreleased]

## [1.0.0-rc.1] - 2027-01-20
### Fixed
- the candidate

## [1.0.0] - 2027-02-01
### Added
- one thing
- another

## [0.9.0] - 2027-01-01
### Added
- the first

[1.0.0]: https://example.com/compare/v0.9.0...v1.0.0
[0.9.0]: https://example.com/releases/tag/v0.9.0
`;

describe('[node] CHANGELOG.md', () => {
  it('[node] follows Keep a Changelog: a title, Unreleased first, then dated versions, newest first', () => {
    expect(changelog.startsWith('# Changelog\n')).toBe(true);
    const headings = changelog.split('\n').filter((l) => l.startsWith('## '));
    expect(headings[0]).toBe('## [Unreleased]');
    const versions = headings.slice(1).map((h) => /^## \[(\d+\.\d+\.\d+(?:-[\w.]+)?)\] - (\d{4}-\d{2}-\d{2})$/.exec(h));
    expect(versions.every(Boolean)).toBe(true);
    const dates = versions.map((m) => m![2]!);
    expect([...dates].sort().reverse()).toEqual(dates);
    for (const h of changelog.split('\n').filter((l) => l.startsWith('### '))) expect(h).toMatch(/^### (Added|Changed|Deprecated|Removed|Fixed|Security)$/);
  });

  it('[node] has notes for package.json’s version', () => {
    const notes = releaseNotes(`v${version}`, changelog, version);
    expect('notes' in notes && notes.notes).toContain('### Added');
  });
});

describe('[node] the release notes script', () => {
  it('[node] takes one version’s section, without its heading, the next one or the link definitions', () => {
    expect(changelogSection(SAMPLE, '1.0.0')).toBe('### Added\n- one thing\n- another');
    expect(changelogSection(SAMPLE, '0.9.0')).toBe('### Added\n- the first');
    expect(changelogSection(SAMPLE, '1.0.0-rc.1')).toBe('### Fixed\n- the candidate');
    expect(changelogSection(SAMPLE, 'Unreleased')).toBe('');
    expect(changelogSection(SAMPLE, '1.0')).toBeNull();
    expect(changelogSection(SAMPLE.replace('## [1.0.0]', '## [1a0a0]'), '1.0.0')).toBeNull();
  });

  it('[node] refuses a tag that is not package.json’s version, and a version without notes', () => {
    expect(releaseNotes('v1.0.0', SAMPLE, '1.0.0')).toEqual({ notes: '### Added\n- one thing\n- another' });
    expect(releaseNotes('refs/tags/v1.0.0', SAMPLE, '1.0.0')).toEqual({ notes: '### Added\n- one thing\n- another' });
    expect(releaseNotes('v1.0.1', SAMPLE, '1.0.0')).toEqual({ error: expect.stringContaining("tag v1.0.1 is not package.json's version 1.0.0") });
    expect(releaseNotes('v2.0.0', SAMPLE, '2.0.0')).toEqual({ error: 'CHANGELOG.md has no "## [2.0.0]" section' });
    expect(releaseNotes('v2.0.0', `${SAMPLE}\n## [2.0.0] - 2027-03-01\n\n`, '2.0.0')).toEqual({ error: 'CHANGELOG.md\'s "## [2.0.0]" section is empty' });
  });

  it('[node] as the workflow runs it: prints the section for the tag, exits 1 with a reason for another', () => {
    const run = (tag: string) => spawnSync('npx', ['tsx', 'scripts/release/changelog.ts', tag], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    const ok = run(`v${version}`);
    expect([ok.status, ok.stderr]).toEqual([0, '']);
    expect(ok.stdout).toBe(`${changelogSection(changelog, version)}\n`);
    const wrong = run('v999.0.0');
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toContain(`tag v999.0.0 is not package.json's version ${version}`);
  });
});
