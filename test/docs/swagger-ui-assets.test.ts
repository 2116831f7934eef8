import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDocsAssets, swaggerUiDirs } from '../../adapters/node/docs-assets.ts';
import { createApp, createConfigStore, parseConfig } from '../../src/index.ts';
import type { AssetReader } from '../../src/deps.ts';
import { cdnAssetUrl, SWAGGER_UI_ASSETS, SWAGGER_UI_VERSION } from '../../src/docs/swagger-ui-assets.ts';

const root = new URL('../../', import.meta.url);
const [, packageDir] = swaggerUiDirs();
const NAMES = Object.keys(SWAGGER_UI_ASSETS);

function app(docsAssets?: AssetReader) {
  return createApp({
    config: createConfigStore(parseConfig('version: 1\nmodels:\n  - { name: demo, backend: sim }\n')),
    upstream: () => Promise.reject(new Error('unused')),
    logger: { log: () => undefined },
    docsAssets,
  });
}

describe('[node] Swagger UI assets', () => {
  it('[node] the pinned version and integrity hashes are those of the installed swagger-ui-dist', () => {
    expect(packageDir).toBeDefined();
    const pkg = JSON.parse(readFileSync(join(packageDir!, 'package.json'), 'utf8')) as { version: string };
    const ours = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.version).toBe(SWAGGER_UI_VERSION);
    expect(ours.dependencies['swagger-ui-dist']).toBe(SWAGGER_UI_VERSION);
    for (const name of NAMES) {
      const digest = createHash('sha384').update(readFileSync(join(packageDir!, name))).digest('base64');
      expect(SWAGGER_UI_ASSETS[name]!.integrity, name).toBe(`sha384-${digest}`);
    }
  });

  it('[node] /docs loads its script and stylesheet from /docs/, pinned by integrity, and reads /openapi.json', async () => {
    const res = await app().request('/docs');
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const name of NAMES) {
      expect(html).toContain(`"/docs/${name}?v=${SWAGGER_UI_VERSION}" integrity="${SWAGGER_UI_ASSETS[name]!.integrity}" crossorigin="anonymous"`);
    }
    expect(html).toContain("url: '/openapi.json'");
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('[node] with the files: served once read, with their content type and a year of cache', async () => {
    let reads = 0;
    const files = createDocsAssets();
    const gateway = app((name) => (reads++, files(name)));
    for (const name of NAMES) {
      for (let i = 0; i < 2; i++) {
        const res = await gateway.request(`/docs/${name}?v=${SWAGGER_UI_VERSION}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe(SWAGGER_UI_ASSETS[name]!.contentType);
        expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(packageDir!, name)))).toBe(true);
      }
    }
    expect(reads).toBe(NAMES.length);
  });

  it('[node] without the files (Workers, createApp alone): a redirect to the same version on the CDN', async () => {
    for (const gateway of [app(), app(() => Promise.resolve(null))]) {
      const res = await gateway.request('/docs/swagger-ui-bundle.js');
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(cdnAssetUrl('swagger-ui-bundle.js'));
      expect(res.headers.get('location')).toContain(`swagger-ui-dist@${SWAGGER_UI_VERSION}/`);
    }
  });

  it('[node] any other name under /docs/ is a 404 in the OpenAI shape, and never reaches the port', async () => {
    const asked: string[] = [];
    const gateway = app((name) => (asked.push(name), Promise.resolve('x')));
    for (const path of ['/docs/index.html', '/docs/package.json', '/docs/..%2Fpackage.json', '/docs/swagger-ui-bundle.js.map']) {
      const res = await gateway.request(path);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toMatchObject({ error: { type: 'not_found_error', code: 'unknown_route', param: null } });
    }
    expect(asked).toEqual([]);
  });

  it('[node] the Node adapter reads the bundle\'s copy first, then the package, and no paths', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'modeltainer-docs-'));
    writeFileSync(join(copy, 'swagger-ui.css'), 'from the copy');
    const read = createDocsAssets([copy, packageDir!]);
    expect(await read('swagger-ui.css')).toEqual(new TextEncoder().encode('from the copy'));
    // Buffer.equals: a deep toEqual over 1.7 MB of bytes takes seconds
    expect(Buffer.from((await read('swagger-ui-bundle.js'))!).equals(readFileSync(join(packageDir!, 'swagger-ui-bundle.js')))).toBe(true);
    for (const name of ['../package.json', '..', '.hidden', 'a/b.js', 'missing.js']) expect(await read(name), name).toBeNull();
  });
});
