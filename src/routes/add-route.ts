import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import type { Handler } from 'hono';
import type { AppEnv } from '../app-env.ts';

/**
 * Serves a declared route and records it in the OpenAPI registry. The gateway
 * reads and validates bodies itself (size limit while reading, its own 400/413/415
 * codes), so the declaration's schema is used by the handler, not a validator.
 */
export function addRoute(app: OpenAPIHono<AppEnv>, spec: RouteConfig, handler: Handler<AppEnv>): void {
  app.openAPIRegistry.registerPath(spec);
  // the document's /x/{name} is Hono's /x/:name
  app.on(spec.method.toUpperCase(), spec.path.replace(/\{(\w+)\}/g, ':$1'), handler);
}
