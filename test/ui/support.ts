import type { Page } from 'playwright-core';
import { llamaModel } from '../lifecycle/support.ts';

/** A gateway with an admin key (and no user keys, so /v1 is open), a simulator model and a launched one. */
export function statusPageConfig(adminKeySha256: string, demoExtra = ''): string {
  return `version: 1
auth:
  admin_key_sha256: "${adminKeySha256}"
lifecycle:
  devices: [{ id: "0", memory: 8GiB }]
  start_timeout: 30s
models:
  - name: demo
    backend: sim
    sim: { flavor: llamacpp, ttft: 30ms, token_delay: 5ms, max_tokens: 12 }
${demoExtra}${llamaModel('local-llama', ['memory: 2GiB'], ['--load-ms', '500'])}`;
}

export async function chatVia(url: string, model: string, requestId: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'a prompt the page must never show' }], max_tokens: 6 }),
  });
}

/** The text of an element, once `accepts` takes it (polled in the page on each animation frame). */
export async function textOf(page: Page, selector: string, accepts: RegExp, timeoutMs = 10_000): Promise<string> {
  const handle = await page.waitForFunction(
    ([sel, source, flags]) => {
      const el = document.querySelector(sel);
      const text = el?.textContent ?? '';
      return new RegExp(source, flags).test(text) ? text : false;
    },
    [selector, accepts.source, accepts.flags] as const,
    { timeout: timeoutMs },
  );
  return (await handle.jsonValue()) as string;
}

/** Records every text a model card's state badge shows from now on (a MutationObserver in the page). */
export async function watchBadge(page: Page, model: string): Promise<() => Promise<string[]>> {
  await page.evaluate((name) => {
    const badge = document.querySelector(`.card[data-model="${name}"] .badge`)!;
    const seen = [badge.textContent ?? ''];
    new MutationObserver(() => {
      const t = badge.textContent ?? '';
      if (seen[seen.length - 1] !== t) seen.push(t);
    }).observe(badge, { childList: true, characterData: true, subtree: true });
    (window as unknown as { badgeSeen: string[] }).badgeSeen = seen;
  }, model);
  return () => page.evaluate(() => (window as unknown as { badgeSeen: string[] }).badgeSeen);
}

/** Whether the document is wider than the viewport (a phone would scroll sideways). */
export function overflowsHorizontally(page: Page): Promise<{ scrollWidth: number; clientWidth: number }> {
  return page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
}
