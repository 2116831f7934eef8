import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { renderDocsPage } from '../docs/docs-page.ts';
import { VERSION } from '../version.ts';

export const OPENAPI_INFO = {
  openapi: '3.0.3',
  info: {
    title: 'ModelTainer',
    version: VERSION,
    description: 'OpenAI-compatible gateway in front of self-hosted vLLM and llama.cpp servers.',
  },
};

/** The scheme the model-routed APIs declare (`keySecurity` in route-specs.ts): Swagger UI's Authorize button. */
const API_KEY_SCHEME = {
  type: 'http',
  scheme: 'bearer',
  description: 'A key from auth.keys (also accepted as `X-Api-Key`), or a JWT when auth.jwt is set. Not needed while auth is off (auth.mode none).',
} as const;

/** GET /openapi.json (generated from the route declarations, once) and GET /docs (Swagger UI, its files under /docs/). */
export function registerOpenAPIRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', API_KEY_SCHEME);
  let document: unknown;
  app.get('/openapi.json', (c) => c.json((document ??= app.getOpenAPIDocument(OPENAPI_INFO))));
  const page = renderDocsPage('ModelTainer API');
  app.get('/docs', (c) => c.html(page));
}
