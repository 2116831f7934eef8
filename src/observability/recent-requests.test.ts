import { describe, expect, it } from 'vitest';
import { createConfigStore } from '../config/config-store.ts';
import { parseConfig } from '../config/parse-config.ts';
import { createGateway } from '../gateway.ts';
import { createRequestLog } from './request-log.ts';
import { RecentRequests } from './recent-requests.ts';

describe('RecentRequests', () => {
  it('keeps the last 2,000 of the last 15 minutes, oldest first, and tells subscribers of each', () => {
    const recent = new RecentRequests();
    const seen: string[] = [];
    recent.bus.subscribe((e) => seen.push(e.request_id));
    for (let i = 0; i < 2_050; i++) {
      const log = createRequestLog(`r${i}`, 'POST', '/v1/chat/completions');
      log.model = 'm';
      log.status = 200;
      recent.record(log, i * 1000);
    }
    const now = 2_049 * 1000;
    const list = recent.list(now);
    // 15 minutes back from the newest: 901 of them, the oldest first
    expect(list).toHaveLength(901);
    expect(list[0]?.request_id).toBe('r1149');
    expect(list.at(-1)).toMatchObject({ request_id: 'r2049', model: 'm', status: 200, path: '/v1/chat/completions' });
    expect(seen).toHaveLength(2_050);
    expect(recent.list(now + 16 * 60_000)).toEqual([]);
  });

  it('reaches GET /admin/events: the recent ones on connect, then each as it ends, with no prompt text', async () => {
    const gw = createGateway({
      config: createConfigStore(parseConfig('version: 1\nmodels:\n  - { name: m, backend: sim, sim: { ttft: 0ms, token_delay: 0ms } }\n')),
      upstream: () => Promise.reject(new Error('unused')),
      logger: { log: () => undefined },
    });
    const chat = () => gw.app.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'secret prompt' }] }) });
    await (await chat()).text();
    const events = await gw.app.request('/admin/events');
    const reader = events.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const until = async (what: RegExp) => {
      while (!what.test(text)) text += decoder.decode((await reader.read()).value, { stream: true });
    };
    await until(/event: requests\ndata: .*\n\n/);
    expect(text).toMatch(/"requests":\[\{"type":"request","request_id":"[^"]+","method":"POST","path":"\/v1\/chat\/completions","model":"m","status":200/);
    await (await chat()).text();
    await until(/event: request\ndata: .*\n\n/);
    await reader.cancel();
    expect(text).not.toContain('secret prompt');
  });
});
