// npm run build: the Node CLI (gateway, simulator, check-config, hash-key) as one ES module in dist/,
// every dependency bundled in, so the production image needs neither node_modules nor a TypeScript loader.
import { build } from 'esbuild';

export const OUTFILE = new URL('../dist/modeltainer.mjs', import.meta.url);

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
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildNode();
  console.log(`wrote ${OUTFILE.pathname}`);
}
