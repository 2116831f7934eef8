import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import type { AssetReader } from '../deps.ts';
import { cdnAssetUrl, isSwaggerUiAsset, SWAGGER_UI_ASSETS } from '../docs/swagger-ui-assets.ts';
import { errors } from '../errors/errors.ts';

/** The URL carries the package version, so a browser may keep the file until the next upgrade. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Shorter for a redirect: the same gateway may later run where it has the files. */
const REDIRECT_CACHE = 'public, max-age=86400';

/**
 * GET /docs/{file}: Swagger UI's script and stylesheet for the /docs page, read through the
 * adapter's `assets` port (once per file; the bytes stay in memory). Where the runtime has no
 * files (Workers, or `createApp` without the port) it redirects to the same version on the CDN,
 * whose bytes the page's integrity attributes pin. Any other name is a 404 in the OpenAI shape.
 */
export function registerDocsAssetRoutes(app: OpenAPIHono<AppEnv>, assets?: AssetReader): void {
  const read = new Map<string, Promise<Uint8Array<ArrayBuffer> | string | null>>();
  app.get('/docs/:name', async (c) => {
    const name = c.req.param('name');
    if (!isSwaggerUiAsset(name)) throw errors.routeNotFound('GET', c.req.path);
    let body = read.get(name);
    if (body === undefined && assets) {
      body = assets(name);
      read.set(name, body);
      // a failed read is tried again by the next request rather than remembered
      body.catch(() => read.delete(name));
    }
    const content = body ? await body : null;
    if (content === null) return c.body(null, 302, { location: cdnAssetUrl(name), 'cache-control': REDIRECT_CACHE });
    return c.body(content, 200, { 'content-type': SWAGGER_UI_ASSETS[name]!.contentType, 'cache-control': IMMUTABLE });
  });
}
