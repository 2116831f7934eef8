import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { errors } from '../errors/errors.ts';
import { addRoute } from './add-route.ts';
import { modelsRoute } from './route-specs.ts';

/**
 * GET /v1/models: every name and alias the caller may use, in the OpenAI list shape. Under a
 * path prefix (`/coder/v1/models`), the one model the prefix is bound to: IDE plugins list
 * models from the base URL they were given.
 */
export function registerModelsRoute(app: OpenAPIHono<AppEnv>, createdAt: number): void {
  const handler = (c: Context<AppEnv>) => {
    const principal = c.get('principal');
    const snapshot = c.get('snapshot');
    const prefix = c.req.param('prefix');
    const bound = prefix === undefined ? undefined : snapshot.routes.get(`/${prefix}`);
    if (prefix !== undefined && bound === undefined) throw errors.routeNotFound(c.req.method, c.req.path);
    const models = bound === undefined ? snapshot.models : snapshot.models.filter((m) => m === snapshot.byName.get(bound));
    const data = models.flatMap((m) =>
      [m.name, ...m.aliases]
        .filter((id) => principal.mayUse(id) || principal.mayUse(m.name))
        .map((id) => ({ id, object: 'model' as const, created: createdAt, owned_by: 'modeltainer' })),
    );
    return c.json({ object: 'list', data });
  };
  addRoute(app, modelsRoute, handler);
  app.get('/:prefix/v1/models', handler);
}
