import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { adminAccess } from '../ui/admin-access.ts';
import { pageHtml } from '../ui/page-html.ts';
import { PAGE_SCRIPT } from '../ui/page-script.ts';
import { PAGE_STYLE } from '../ui/page-style.ts';

/**
 * Only the gateway itself: the script and styles are files of this origin (no inline script or
 * style), data calls go to this origin, the favicon is an empty data: URL, and nothing may frame
 * the page or send a form elsewhere.
 */
export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * GET /ui (the status page), /ui/app.js and /ui/app.css. The page and its assets are public
 * and hold no data: everything it shows comes from the admin routes, called with the admin
 * key the page asks for. See docs/ui.md.
 */
export function registerUiRoutes(app: OpenAPIHono<AppEnv>): void {
  // the page carries the admin access mode of the config serving now, so it is never cached
  app.get('/ui', (c) => c.html(pageHtml(adminAccess(c.var.snapshot)), 200, { 'content-security-policy': UI_CSP, 'cache-control': 'no-store' }));
  // the page's URLs are relative to /ui: from /ui/ they would miss
  app.get('/ui/', (c) => c.redirect('../ui', 308));
  app.get('/ui/app.js', (c) => c.body(PAGE_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));
  app.get('/ui/app.css', (c) => c.body(PAGE_STYLE, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' }));
}
