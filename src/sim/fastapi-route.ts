/** FastAPI-style route registration for the vLLM flavour: other methods on a path answer 405 with `allow`. */
import type { Context, Hono } from 'hono';
import { vllmMethodNotAllowed } from './vllm-http.ts';

export type Handler = (c: Context) => Response | Promise<Response>;
export type RouteHandlers = Partial<Record<'GET' | 'POST', Handler>>;

export function fastapiRoute(app: Hono, path: string, handlers: RouteHandlers): void {
  const methods = Object.keys(handlers) as Array<'GET' | 'POST'>;
  for (const method of methods) {
    const h = handlers[method];
    if (h) app.on(method, path, h);
  }
  const allow = methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ');
  app.all(path, () => vllmMethodNotAllowed(allow));
}
