/**
 * The API reference at /docs in a real browser (Debian's chromium through playwright-core)
 * against a real gateway process on Node with `auth.keys`. The page may reach only the gateway:
 * anything else is aborted and recorded, so Swagger UI must come from the gateway itself.
 * One page goes through the story (render, then Authorize and Try it out), so the tests run in order.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { sha256Hex } from '../../src/index.ts';
import { launchBrowser, offlinePage } from '../support/browser.ts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';

vi.setConfig({ testTimeout: 30_000 });

const KEY = `mt-docs-${crypto.randomUUID()}`;
const RESULTS = new URL('../../test-results/', import.meta.url);
const SCREENSHOT_FOR_DOCS = new URL('../../docs/screenshot-docs.png', import.meta.url);
const shot = (name: string) => new URL(name, RESULTS).pathname;

/** The four OpenAI operations a client starts with: operationId, method, path. */
const OPERATIONS = [
  ['createChatCompletion', 'POST', '/v1/chat/completions'],
  ['createCompletion', 'POST', '/v1/completions'],
  ['createEmbedding', 'POST', '/v1/embeddings'],
  ['listModels', 'GET', '/v1/models'],
] as const;

let gw: GatewayProcess;
let browser: Browser;
let page: Page;
let outside: string[];
let consoleErrors: string[];
/** what the page fetched from the gateway: path with query, status, content type */
const fetched: { path: string; status: number; type: string }[] = [];
/** the Authorization header of each request the page sent to /v1/models */
const modelsAuth: (string | undefined)[] = [];

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  // the shipped config (demo models) with one caller key, so the key Swagger UI sends matters
  const config = `${readFileSync(new URL('../../config/models.yaml', import.meta.url), 'utf8')}\nauth:\n  keys:\n    - { name: docs-test, key_sha256: "${await sha256Hex(KEY)}" }\n`;
  [gw, browser] = await Promise.all([startGatewayProcess(config), launchBrowser()]);
  ({ page, outside, consoleErrors } = await offlinePage(browser, gw.url));
  await page.setViewportSize({ width: 1280, height: 800 });
  // a step that cannot happen fails with its locator, well inside the test's timeout
  page.setDefaultTimeout(8_000);
  page.on('response', (res) => {
    const url = new URL(res.url());
    if (url.origin === gw.url) fetched.push({ path: url.pathname + url.search, status: res.status(), type: res.headers()['content-type'] ?? '' });
  });
  page.on('request', (req) => {
    if (new URL(req.url()).pathname === '/v1/models') modelsAuth.push(req.headers().authorization);
  });
});
afterAll(async () => {
  await browser?.close();
  gw?.stop();
});

/** One authorization scheme in the Authorize dialog, by name. */
const scheme = (name: string): Locator => page.locator('.modal-ux .auth-container').filter({ has: page.locator(`h4 code:text-is("${name}")`) });

async function authorize(key: string): Promise<void> {
  await page.locator('.auth-wrapper button.authorize').click();
  const api = scheme('apiKey');
  const logout = api.getByRole('button', { name: 'Remove authorization' });
  if (await logout.isVisible()) await logout.click();
  await api.locator('input').fill(key);
  await api.getByRole('button', { name: 'Apply credentials' }).click();
  await api.getByRole('button', { name: 'Remove authorization' }).waitFor();
  await page.locator('.modal-ux button.btn-done').first().click();
  await page.locator('.modal-ux').waitFor({ state: 'detached' });
}

/** Executes the expanded operation and returns the status Swagger UI shows for the live response. */
async function execute(op: Locator, status: string): Promise<string> {
  await op.locator('button.execute').click();
  const cell = op.locator('.live-responses-table .response-col_status');
  await cell.filter({ hasText: new RegExp(`^\\s*${status}`) }).waitFor();
  return (await op.locator('.live-responses-table').innerText()).trim();
}

describe('[node] the API reference at /docs', () => {
  it('[node] renders Swagger UI from the gateway alone: the /v1 operations, nothing from the internet, no failed loads', async () => {
    await page.goto(`${gw.url}/docs`);
    await page.locator('#operations-OpenAI-listModels').waitFor();
    for (const [operationId, method, path] of OPERATIONS) {
      const op = page.locator(`#operations-OpenAI-${operationId}`);
      expect(await op.locator('.opblock-summary-method').innerText(), operationId).toBe(method);
      expect(await op.locator('.opblock-summary-path').getAttribute('data-path'), operationId).toBe(path);
      // the lock: the operation declares the key scheme
      expect(await op.locator('button.authorization__btn').count(), operationId).toBe(1);
    }
    expect(await page.locator('.auth-wrapper button.authorize').innerText()).toMatch(/Authorize/);
    expect(outside).toEqual([]);
    expect(consoleErrors).toEqual([]);
    // served by the gateway (no redirect to the CDN), with their own content types
    expect(fetched.filter((f) => f.path.startsWith('/docs/')).map((f) => [f.path.replace(/\?.*/, ''), f.status, f.type.replace(/;.*/, '')]).sort()).toEqual([
      ['/docs/swagger-ui-bundle.js', 200, 'text/javascript'],
      ['/docs/swagger-ui.css', 200, 'text/css'],
    ]);
    expect(fetched.some((f) => f.path === '/openapi.json' && f.status === 200)).toBe(true);
    await page.screenshot({ path: SCREENSHOT_FOR_DOCS.pathname });
  });

  it('[node] Authorize with a Bearer key, then Try it out on GET /v1/models: a wrong key shows 401, the right one 200 with the models', async () => {
    const op = page.locator('#operations-OpenAI-listModels');
    await op.locator('.opblock-summary-control').click();
    await op.locator('button.try-out__btn').click();

    await authorize('not-a-key-of-this-gateway');
    expect(await execute(op, '401')).toContain('invalid_api_key');
    await op.screenshot({ path: shot('docs-401.png') });

    await authorize(KEY);
    const shown = await execute(op, '200');
    expect(shown).toContain('"demo"');
    expect(shown).toContain('"demo-embed"');
    expect(modelsAuth).toEqual(['Bearer not-a-key-of-this-gateway', `Bearer ${KEY}`]);
    await op.screenshot({ path: shot('docs.png') });

    expect(outside).toEqual([]);
    // the one failed load is the 401 asked for above
    expect(consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });
});
