import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';

/** GET /ui: the status page (being built). */
export function registerUiRoutes(app: OpenAPIHono<AppEnv>): void {
  app.get('/ui', (c) => c.html('<!doctype html><title>ModelTainer</title><p>The status page is coming.</p>'));
}
