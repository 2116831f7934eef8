// npm's `version` hook (package.json): after `npm version X.Y.Z` has written package.json, this
// writes the same version into src/version.ts (the gateway cannot read package.json at run time:
// Workers have no files, and src/ imports nothing runtime-specific), after checking that
// CHANGELOG.md has notes for it. npm then commits both and tags vX.Y.Z. test/release/version.test.ts
// fails whenever src/version.ts and package.json differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { CHANGELOG_PATH, readPackageVersion, releaseNotes } from './changelog.ts';

export const VERSION_MODULE_PATH = new URL('../../src/version.ts', import.meta.url);

/** The text of src/version.ts for a version. */
export function versionModule(version: string): string {
  return `// package.json's version, written by scripts/release/sync-version.ts on \`npm version\`. Do not edit.\nexport const VERSION = '${version}';\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const version = readPackageVersion();
  const notes = releaseNotes(`v${version}`, readFileSync(CHANGELOG_PATH, 'utf8'), version);
  if ('error' in notes) {
    console.error(`${notes.error}: move the Unreleased entries under "## [${version}] - ${new Date().toISOString().slice(0, 10)}" first`);
    process.exit(1);
  }
  writeFileSync(VERSION_MODULE_PATH, versionModule(version));
  console.log(`src/version.ts: ${version}`);
}
