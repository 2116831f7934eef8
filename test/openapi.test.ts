import SwaggerParser from '@apidevtools/swagger-parser';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createApp, createConfigStore, parseConfig } from '../src/index.ts';
import { buildOpenAPIDocument, stringifyDocument } from '../scripts/openapi-document.ts';
import { DOCUMENT_PATH, TYPES_PATH, generateTypes } from '../scripts/generate-openapi.ts';

const committed = readFileSync(DOCUMENT_PATH, 'utf8');

describe('[node] OpenAPI document', () => {
  it('docs/openapi.json is up to date with the route declarations (run `npm run openapi`)', () => {
    expect(stringifyDocument(buildOpenAPIDocument())).toBe(committed);
  });

  it('the generated client types are up to date (run `npm run openapi`)', async () => {
    expect(await generateTypes(committed)).toBe(readFileSync(TYPES_PATH, 'utf8'));
  });

  it('is a valid OpenAPI 3 document', async () => {
    const api = (await SwaggerParser.validate(JSON.parse(committed))) as { paths: Record<string, unknown> };
    expect(Object.keys(api.paths).sort()).toEqual([
      '/admin/cache', '/admin/config', '/admin/events', '/admin/models', '/admin/models/{name}/{action}', '/admin/queue', '/admin/reload', '/admin/targets', '/admin/targets/{id}', '/detokenize', '/healthz', '/readyz', '/tokenize',
      '/upstream/{model}/{path}', '/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/messages', '/v1/messages/count_tokens', '/v1/models', '/v1/rerank', '/v1/responses', '/v1/score',
    ]);
  });

  it('serves the document and a Swagger UI page', async () => {
    const app = createApp({
      config: createConfigStore(parseConfig('version: 1\nmodels:\n  - { name: demo, backend: sim }\n')),
      upstream: () => Promise.reject(new Error('unused')),
      logger: { log: () => undefined },
    });
    const doc = await app.request('/openapi.json');
    expect(await doc.json()).toEqual(JSON.parse(committed));
    const page = await app.request('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('SwaggerUIBundle');
    expect(html).toContain("url: '/openapi.json'");
  });
});
