// A release's notes are its section of CHANGELOG.md (Keep a Changelog). The release workflow runs
//   tsx scripts/release/changelog.ts v1.2.3 > notes.md
// which fails (exit 1, a reason on stderr) when the tag is not package.json's version or the
// section is missing or empty, so no image is published for a version without notes.
import { readFileSync } from 'node:fs';

export const CHANGELOG_PATH = new URL('../../CHANGELOG.md', import.meta.url);
export const PACKAGE_PATH = new URL('../../package.json', import.meta.url);

/** package.json's version. */
export function readPackageVersion(path: URL = PACKAGE_PATH): string {
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}

/**
 * The body of the `## [version]` section (heading and trailing link definitions left out),
 * trimmed; null when there is no such section.
 * @example changelogSection('## [1.0.0] - 2026-01-01\n### Added\n- x\n', '1.0.0') // '### Added\n- x'
 */
export function changelogSection(text: string, version: string): string | null {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => new RegExp(`^## \\[${version.replace(/[.+]/g, '\\$&')}\\](\\s|$)`).test(l));
  if (start < 0) return null;
  const rest = lines.slice(start + 1);
  // the section ends at the next version heading, or at the link definitions ([1.0.0]: https://…)
  const end = rest.findIndex((l) => /^## /.test(l) || /^\[[^\]]+\]:\s/.test(l));
  return (end < 0 ? rest : rest.slice(0, end)).join('\n').trim();
}

/** The notes for a tag (`v1.2.3`), or the reason there are none. */
export function releaseNotes(tag: string, changelog: string, packageVersion: string): { notes: string } | { error: string } {
  const version = tag.replace(/^refs\/tags\//, '').replace(/^v/, '');
  if (version !== packageVersion) return { error: `tag ${tag} is not package.json's version ${packageVersion} (release with \`npm version\`, see CONTRIBUTING.md)` };
  const notes = changelogSection(changelog, version);
  if (notes === null) return { error: `CHANGELOG.md has no "## [${version}]" section` };
  if (notes === '') return { error: `CHANGELOG.md's "## [${version}]" section is empty` };
  return { notes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const tag = process.argv[2] ?? `v${readPackageVersion()}`;
  const result = releaseNotes(tag, readFileSync(CHANGELOG_PATH, 'utf8'), readPackageVersion());
  if ('error' in result) {
    console.error(result.error);
    process.exit(1);
  }
  console.log(result.notes);
}
