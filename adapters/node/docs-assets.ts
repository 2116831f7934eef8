import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AssetReader } from '../../src/deps.ts';

/**
 * Where swagger-ui-dist's files are: `docs/` beside this module (the bundle's copy, written by
 * `npm run build` into dist/docs/, as the image has no node_modules), then the installed package.
 */
export function swaggerUiDirs(base: string = import.meta.url): string[] {
  const dirs = [fileURLToPath(new URL('docs/', base))];
  try {
    dirs.push(dirname(createRequire(base).resolve('swagger-ui-dist/package.json')));
  } catch {
    // not installed: only the bundle's copy, else the gateway sends the page to the CDN
  }
  return dirs;
}

/** Node and Bun: the file from the first directory that has it, or null. */
export function createDocsAssets(dirs: readonly string[] = swaggerUiDirs()): AssetReader {
  return async (name) => {
    // the gateway asks only for the names it knows; a path never reaches the file system
    if (!/^[\w.-]+$/.test(name) || name.startsWith('.')) return null;
    for (const dir of dirs) {
      try {
        return new Uint8Array(await readFile(join(dir, name)));
      } catch {
        // not in this directory
      }
    }
    return null;
  };
}
