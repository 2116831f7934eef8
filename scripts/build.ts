// npm run build: the Node CLI (gateway, simulator, check-config, hash-key) as one ES module in dist/,
// every dependency bundled in, so the production image needs neither node_modules nor a TypeScript loader.
// Swagger UI's files for /docs go beside it, in dist/docs/, where the Node adapter looks first.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SWAGGER_UI_ASSETS } from '../src/docs/swagger-ui-assets.ts';

export const OUTFILE = new URL('../dist/modeltainer.mjs', import.meta.url);
export const DOCS_DIR = new URL('../dist/docs/', import.meta.url);

export async function buildNode(): Promise<void> {
  await build({
    entryPoints: [new URL('../adapters/node/cli.ts', import.meta.url).pathname],
    outfile: OUTFILE.pathname,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    // CommonJS dependencies (ioredis, prom-client) call require(); an ES module has none of its own
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  copyDocsAssets();
}

/** The files the /docs page loads, and the package's licence (Apache-2.0 asks for it with copies). */
export function copyDocsAssets(): void {
  const from = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const to = fileURLToPath(DOCS_DIR);
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  for (const name of [...Object.keys(SWAGGER_UI_ASSETS), 'LICENSE', 'NOTICE']) copyFileSync(join(from, name), join(to, name));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildNode();
  console.log(`wrote ${OUTFILE.pathname} and ${DOCS_DIR.pathname}`);
}
