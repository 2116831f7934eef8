// package.json's version, written by scripts/release/sync-version.ts on `npm version`. Do not edit.
export const VERSION = '0.1.0';
