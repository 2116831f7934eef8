import type { AssetReader } from '../../src/deps.ts';

/**
 * Swagger UI's files for /docs from the swagger-ui-dist package in node_modules (deno.json:
 * bare specifiers resolve there), read with --allow-read; null when it is not installed.
 */
export function createDenoDocsAssets(): AssetReader {
  let dir: URL | null = null;
  try {
    dir = new URL('./', import.meta.resolve('swagger-ui-dist/package.json'));
  } catch {
    // not installed: the gateway sends the page to the CDN
  }
  return async (name) => {
    // the gateway asks only for the names it knows; a path never reaches the file system
    if (dir === null || !/^[\w.-]+$/.test(name) || name.startsWith('.')) return null;
    try {
      return await Deno.readFile(new URL(name, dir));
    } catch {
      return null;
    }
  };
}
