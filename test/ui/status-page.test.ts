/**
 * The status page at /ui in a real browser (Debian's chromium through playwright-core) against
 * a real gateway process with an admin key, a simulator model and a launched model (the
 * llama-server stand-in). The page may reach only the gateway: anything else is aborted and
 * recorded. One page goes through the whole story, so the tests run in order.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { sha256Hex } from '../../src/index.ts';
import { launchBrowser, offlinePage } from '../support/browser.ts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { chatVia, overflowsHorizontally, statusPageConfig, textOf, watchBadge } from './support.ts';

// a model server starts as a real process: on a loaded CI machine that may take a while
vi.setConfig({ testTimeout: 30_000 });

const ADMIN_KEY = `mt-admin-${crypto.randomUUID()}`;
const RESULTS = new URL('../../test-results/', import.meta.url);
// the README's picture is written only when asked for (or missing), so a test run leaves the tree clean
const README_SHOT = new URL('../../docs/screenshot-ui.png', import.meta.url);
const WRITE_README_SHOT = process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(README_SHOT);
const shot = (name: string) => new URL(name, RESULTS).pathname;

let gw: GatewayProcess;
let open: GatewayProcess;
let browser: Browser;
let page: Page;
let outside: string[];
let consoleErrors: string[];
const consoleAll: string[] = [];

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  // the gateway without authentication is for the last test; started together to save time
  [gw, open, browser] = await Promise.all([
    startGatewayProcess(statusPageConfig(await sha256Hex(ADMIN_KEY))),
    startGatewayProcess('version: 1\nmodels:\n  - { name: open-demo, backend: sim }\n'),
    launchBrowser(),
  ]);
  ({ page, outside, consoleErrors } = await offlinePage(browser, gw.url));
  page.on('console', (msg) => consoleAll.push(msg.text()));
  await page.setViewportSize({ width: 1280, height: 800 });
});
afterAll(async () => {
  await browser?.close();
  gw?.stop();
  open?.stop();
});

describe('[node] the status page at /ui', () => {
  it('[node] GET /ui, /ui/app.js and /ui/app.css: a strict CSP, no inline script, nothing from elsewhere', async () => {
    const res = await fetch(`${gw.url}/ui`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html).toContain('<meta name="modeltainer-admin" content="key">');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // every script is a file
    expect(html).not.toMatch(/\bstyle=/);
    const js = await fetch(`${gw.url}/ui/app.js`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    const css = await fetch(`${gw.url}/ui/app.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    for (const text of [html, await js.text(), await css.text()]) {
      expect(text.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\/|@import|url\(/);
    }
  });

  it('[node] login: a wrong key is rejected and the form shown again; the right key shows every model', async () => {
    await page.goto(`${gw.url}/ui`);
    await page.locator('#admin-key').waitFor();
    expect(await page.locator('#main').isHidden()).toBe(true);
    await page.locator('#admin-key').fill('not-the-admin-key');
    await page.keyboard.press('Enter');
    expect(await textOf(page, '#login-error', /wrong key/i)).toMatch(/wrong key/i);
    expect(await page.locator('#login').isVisible()).toBe(true);
    expect(await page.locator('#main').isHidden()).toBe(true);
    expect(await page.locator('#admin-key').inputValue()).toBe('');
    await page.screenshot({ path: shot('ui-wrong-key.png') });

    await page.locator('#admin-key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.card[data-model="demo"]').waitFor();
    await page.locator('.card[data-model="local-llama"]').waitFor();
    expect(await page.locator('#login').isHidden()).toBe(true);
    expect(await textOf(page, '.card[data-model="local-llama"] .badge', /^off$/)).toBe('off');
    expect(await textOf(page, '#conn', /Live/)).toBe('Live');
    expect(await textOf(page, '#config', /Hash[0-9a-f]{12}/)).toMatch(/models\.yaml/);
  });

  it('[node] Start on the launched model: starting, then ready, live without reloading the page', async () => {
    await page.evaluate(() => ((window as unknown as { samePage: boolean }).samePage = true));
    const seen = await watchBadge(page, 'local-llama');
    const card = '.card[data-model="local-llama"]';
    // by keyboard: focus the button, press Enter
    await page.getByRole('button', { name: 'Start local-llama' }).focus();
    await page.keyboard.press('Enter');
    expect(await textOf(page, `${card} .result`, /start accepted/)).toMatch(/start accepted \(202\)/);
    await textOf(page, `${card} .badge`, /^ready$/, 20_000);
    expect(await seen()).toEqual(['off', 'starting', 'ready']);
    expect(await page.evaluate(() => (window as unknown as { samePage?: boolean }).samePage)).toBe(true);
    // the card was updated in place: the focus is still on the button, with a visible ring
    expect(await page.evaluate(() => [document.activeElement?.getAttribute('aria-label'), getComputedStyle(document.activeElement!).outlineStyle])).toEqual(['Start local-llama', 'solid']);
    const facts = await textOf(page, `${card} .facts`, /PID\d+/);
    expect(facts).toContain('Memory2.0 GiB');
    expect(facts).toContain('Device0');
    expect(await textOf(page, `${card} .targets`, /up.*\d+ in flight/)).toMatch(/launched:local-llama/);
  });

  it('[node] a chat request appears in the live log with its numbers; the filter narrows the log to a model', async () => {
    const ids = ['ui-chat-demo', 'ui-chat-llama'];
    expect((await chatVia(gw.url, 'demo', ids[0]!)).status).toBe(200);
    expect((await chatVia(gw.url, 'local-llama', ids[1]!)).status).toBe(200);
    const row = (id: string) => `#log tr[data-request-id="${id}"]`;
    const demoRow = await textOf(page, row(ids[0]!), /demo/);
    expect(demoRow).toMatch(/ui-chat-demo.*demo200\d+ ms\d+ ms\d+ → \d+/);
    await page.locator(row(ids[1]!)).waitFor();
    expect(await textOf(page, '.card[data-model="demo"] .stats', /TTFT/)).not.toMatch(/—TTFT/);

    await page.locator('#log-filter').selectOption('demo');
    await page.locator(row(ids[1]!)).waitFor({ state: 'detached' });
    expect(await page.locator(row(ids[0]!)).count()).toBe(1);
    await page.locator('#log-filter').selectOption('');
    await page.locator(row(ids[1]!)).waitFor();
    // traffic for the charts in the screenshots
    await Promise.all(Array.from({ length: 12 }, (_, i) => chatVia(gw.url, i % 3 ? 'demo' : 'local-llama', `ui-load-${i}`)));
    await page.locator(row('ui-load-11')).waitFor();
    expect(await page.content()).not.toContain('a prompt the page must never show');
  });

  it('[node] screenshots: desktop 1280×800 (for the README), dark, and a 390×844 phone that never scrolls sideways', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: shot('ui-desktop.png') });
    if (WRITE_README_SHOT) await page.screenshot({ path: README_SHOT.pathname });
    await page.screenshot({ path: shot('ui-desktop-full.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(16, 18, 22)');
    await page.screenshot({ path: shot('ui-desktop-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(100);
    const phone = await overflowsHorizontally(page);
    expect(phone.scrollWidth).toBeLessThanOrEqual(phone.clientWidth);
    await page.screenshot({ path: shot('ui-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('[node] Reload after an invalid edit: the page shows the error with file, line and field', async () => {
    const text = statusPageConfig(await sha256Hex(ADMIN_KEY), '    max_concurrent: lots\n');
    const line = text.split('\n').findIndex((l) => l.includes('max_concurrent: lots')) + 1;
    writeFileSync(gw.configFile, text);
    await page.getByRole('button', { name: 'Reload config' }).click();
    const result = await textOf(page, '#reload-result', /reload failed/);
    expect(result).toContain('(400)');
    expect(result).toContain(`${gw.configFile}:${line}`);
    const box = await textOf(page, '#config-error', /failed/);
    expect(box).toContain(`${gw.configFile}:${line}:`);
    expect(box).toMatch(/max_concurrent/);
    await page.locator('#config-error').scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot('ui-reload-error.png') });
  });

  it('[node] the key is asked once per tab: a reload of the page signs in from sessionStorage', async () => {
    await page.reload();
    await page.locator('.card[data-model="local-llama"]').waitFor();
    expect(await page.locator('#login').isHidden()).toBe(true);
    await textOf(page, '.card[data-model="local-llama"] .badge', /^ready$/);
  });

  it('[node] nothing from another host; the key never in the page, the console or the gateway output', async () => {
    expect(outside).toEqual([]);
    expect(await page.content()).not.toContain(ADMIN_KEY);
    expect(consoleAll.join('\n')).not.toContain(ADMIN_KEY);
    // the only console errors: the browser noting the wrong key's 401 and the invalid reload's 400
    for (const e of consoleErrors) expect(e).toMatch(/status of 40[01]/);
    expect(gw.output.join('\n')).not.toContain(ADMIN_KEY);
  });
});

describe('[node] the status page without any authentication', () => {
  it('[node] auth off and no admin key: the page skips the login and shows the models', async () => {
    const { page: p, outside: away } = await offlinePage(browser, open.url);
    await p.goto(`${open.url}/ui`);
    await p.locator('.card[data-model="open-demo"]').waitFor();
    expect(await p.locator('#login').isHidden()).toBe(true);
    expect(await p.locator('#sign-out').isHidden()).toBe(true);
    expect(await textOf(p, '#conn', /Live/)).toBe('Live');
    expect(away).toEqual([]);
    await p.context().close();
  });
});
